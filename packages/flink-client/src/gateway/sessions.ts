import { z } from "zod";
import { type HttpTransport, isOk, parseResponse, segment } from "../http.ts";
import { gatewayError } from "./session-errors.ts";

/** `POST /{v}/sessions` answer. */
export const OpenSessionResponse = z.object({ sessionHandle: z.string().min(1) });

/** Opens a session; `properties` become the session's configuration (like `SET 'k' = 'v'`). */
export async function openSession(
  http: HttpTransport,
  apiVersion: string,
  options: { sessionName?: string; properties?: Record<string, string> } = {},
): Promise<string> {
  const response = await http.send({
    method: "POST",
    path: `/${apiVersion}/sessions`,
    body: { sessionName: options.sessionName, properties: options.properties ?? {} },
  });
  return parseResponse(http, response, OpenSessionResponse, "Opening a SQL Gateway session").sessionHandle;
}

/** `DELETE /{v}/sessions/:handle` answer. */
export const CloseSessionResponse = z.object({ status: z.string() });

export async function closeSession(
  http: HttpTransport,
  apiVersion: string,
  sessionHandle: string,
): Promise<void> {
  const response = await http.send({
    method: "DELETE",
    path: `/${apiVersion}/sessions/${segment(sessionHandle)}`,
  });
  if (!isOk(response)) throw gatewayError(http, response, "Closing a SQL Gateway session", sessionHandle);
  parseResponse(http, response, CloseSessionResponse, "Closing a SQL Gateway session");
}

/** Keeps an idle session alive (the gateway expires idle sessions after `sql-gateway.session.idle-timeout`). */
export async function heartbeat(
  http: HttpTransport,
  apiVersion: string,
  sessionHandle: string,
): Promise<void> {
  const response = await http.send({
    method: "POST",
    path: `/${apiVersion}/sessions/${segment(sessionHandle)}/heartbeat`,
  });
  if (!isOk(response)) throw gatewayError(http, response, "Session heartbeat", sessionHandle);
}

/** `GET /{v}/sessions/:handle` answer: the session's effective configuration. */
export const SessionConfig = z.object({ properties: z.record(z.string(), z.string()) });

export async function getSessionConfig(
  http: HttpTransport,
  apiVersion: string,
  sessionHandle: string,
): Promise<Record<string, string>> {
  const response = await http.send({
    method: "GET",
    path: `/${apiVersion}/sessions/${segment(sessionHandle)}`,
  });
  if (!isOk(response)) throw gatewayError(http, response, "Reading a session's configuration", sessionHandle);
  return parseResponse(http, response, SessionConfig, "Reading a session's configuration").properties;
}
