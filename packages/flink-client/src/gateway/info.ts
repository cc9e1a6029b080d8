import { z } from "zod";
import { type HttpTransport, parseResponse } from "../http.ts";

/** `GET /{version}/info`: which product and version the SQL Gateway runs. */
export const GatewayInfo = z.object({ productName: z.string(), version: z.string() });
export type GatewayInfo = z.infer<typeof GatewayInfo>;

export async function getGatewayInfo(http: HttpTransport, apiVersion: string): Promise<GatewayInfo> {
  const response = await http.send({ method: "GET", path: `/${apiVersion}/info` });
  return parseResponse(http, response, GatewayInfo, "SQL Gateway info");
}

/** `GET /api_versions`: the REST API versions the gateway speaks, e.g. `["V1", "V2", "V3", "V4"]`. */
export const ApiVersions = z.object({ versions: z.array(z.string()) });
export type ApiVersions = z.infer<typeof ApiVersions>;

export async function getApiVersions(http: HttpTransport): Promise<ApiVersions> {
  const response = await http.send({ method: "GET", path: "/api_versions" });
  return parseResponse(http, response, ApiVersions, "SQL Gateway API versions");
}
