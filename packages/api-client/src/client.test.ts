import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiProblemError, ApiUnreachableError, answer, createSluiceClient, unwrap } from "./index.ts";

let server: Server;
let baseUrl = "";
let seen: { url: string; headers: IncomingHttpHeaders } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { url: req.url ?? "", headers: req.headers };
    if (req.url === "/v1/jobs") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"jobs":[],"strays":[]}');
    } else if (req.url?.startsWith("/v1/jobs/missing")) {
      const problem = {
        type: "about:blank",
        title: "Not Found",
        status: 404,
        code: "JOB_NOT_FOUND",
        detail: "no job",
      };
      res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify(problem));
    } else {
      res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>");
    }
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  baseUrl = `http://127.0.0.1:${address.port}/`;
});

afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

describe("createSluiceClient", () => {
  it("sends the bearer token and resolves a 2xx answer's body", async () => {
    const api = createSluiceClient({ baseUrl, token: "t0ken" });
    expect(await answer(api.GET("/v1/jobs"))).toEqual({ status: 200, body: { jobs: [], strays: [] } });
    expect(seen?.headers.authorization).toBe("Bearer t0ken");
  });

  it("sends no authorization header without a token", async () => {
    await unwrap(createSluiceClient({ baseUrl, token: "" }).GET("/v1/jobs"));
    expect(seen?.headers.authorization).toBeUndefined();
  });

  it("throws the API's problem document as ApiProblemError, the path parameter encoded", async () => {
    const api = createSluiceClient({ baseUrl });
    const error = await unwrap(
      api.GET("/v1/jobs/{name}", { params: { path: { name: "missing a/b" } } }),
    ).catch((e: unknown) => e);
    expect(seen?.url).toBe("/v1/jobs/missing%20a%2Fb");
    expect(error).toBeInstanceOf(ApiProblemError);
    expect((error as ApiProblemError).problem.code).toBe("JOB_NOT_FOUND");
    expect((error as ApiProblemError).retryable).toBe(false);
  });

  it("synthesizes a problem for a non-API answer", async () => {
    const error = await unwrap(createSluiceClient({ baseUrl }).GET("/healthz")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblemError);
    expect((error as ApiProblemError).problem).toMatchObject({ status: 502, code: "HTTP_502" });
    expect((error as ApiProblemError).retryable).toBe(true);
  });

  it("throws ApiUnreachableError when nothing listens, without the token in the message", async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, "127.0.0.1", listening));
    const { port } = closed.address() as { port: number };
    await new Promise((done) => closed.close(done));
    const api = createSluiceClient({ baseUrl: `http://127.0.0.1:${port}`, token: "s3cret" });
    const error = await unwrap(api.GET("/v1/jobs")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toBe(
      `cannot reach the Sluice API at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });
});
