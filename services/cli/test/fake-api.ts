import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Job, Operation } from "@sluice/api-client";
import { afterEach, beforeEach } from "vitest";

/**
 * A hand-written stand-in for the Sluice API over real HTTP: each test scripts the answers of
 * the routes it needs (`on`), and reads back what the CLI sent (`requests`). Unscripted routes
 * answer 404 problem+json, like the real API.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

type Answer = Reply | ((request: RecordedRequest) => Reply);

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly #routes = new Map<string, Answer[]>();
  #server: Server | undefined;

  /**
   * Scripts `METHOD /path`: one answer for every call, or a sequence (the last one repeats).
   *
   * @example
   * fake.on("GET", "/v1/jobs/orders", [{ status: 200, body: running }, { status: 200, body: stopped }]);
   */
  on(method: string, path: string, answer: Answer | Answer[]): this {
    this.#routes.set(`${method} ${path}`, Array.isArray(answer) ? [...answer] : [answer]);
    return this;
  }

  /** Requests other than the given method and path prefix are ignored. */
  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://fake");
        const text = Buffer.concat(chunks).toString("utf8");
        const recorded: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: text === "" ? undefined : JSON.parse(text),
        };
        this.requests.push(recorded);
        const answers = this.#routes.get(`${recorded.method} ${recorded.path}`);
        const next = answers && (answers.length > 1 ? answers.shift() : answers[0]);
        const reply: Reply =
          next === undefined
            ? problemReply(404, "NOT_FOUND", `No route ${recorded.method} ${recorded.path}`)
            : typeof next === "function"
              ? next(recorded)
              : next;
        const isProblem = reply.status >= 400;
        res.writeHead(reply.status, {
          "content-type": reply.contentType ?? (isProblem ? "application/problem+json" : "application/json"),
        });
        res.end(
          reply.body === undefined
            ? ""
            : typeof reply.body === "string"
              ? reply.body
              : JSON.stringify(reply.body),
        );
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** A problem+json answer like the API's error handler writes. */
export function problemReply(
  status: number,
  code: string,
  detail: string,
  problems?: Array<{ path: string; code: string; message: string }>,
): Reply {
  return {
    status,
    body: {
      type: `https://sluice.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
      title: code.charAt(0) + code.slice(1).toLowerCase().replaceAll("_", " "),
      status,
      code,
      detail,
      ...(problems ? { problems } : {}),
    },
  };
}

export function operation(
  id: number,
  kind: Operation["kind"],
  status: Operation["status"],
  error?: string,
): Operation {
  return {
    id,
    kind,
    status,
    error: error ?? null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:01.000Z",
    finishedAt: status === "succeeded" || status === "failed" ? "2026-01-01T00:00:02.000Z" : null,
  };
}

/** A job as `GET /v1/jobs/{name}` returns it. */
export function jobDetail(overrides: Partial<Job> = {}): Job {
  return {
    name: "orders",
    version: 1,
    desiredState: "RUNNING",
    state: "RUNNING",
    flinkJobId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    flinkState: "RUNNING",
    conditions: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    spec: { name: "orders", tables: [], views: [], inserts: [], enrichments: [], config: {}, version: 1 },
    sql: [
      { kind: "set", sql: "SET 'parallelism.default' = '1'" },
      {
        kind: "statement-set",
        sql: "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `sink` SELECT `id` FROM `src`;\nEND",
      },
    ],
    secretNames: [],
    savepoints: [],
    exceptions: [],
    operation: null,
    lastOperation: null,
    versions: [{ version: 1, status: "accepted", createdAt: "2026-01-01T00:00:00.000Z" }],
    runs: [],
    duplicates: [],
    recovery: {
      checkpoints: true,
      interval: "10 s",
      mode: "EXACTLY_ONCE",
      parallelism: null,
      resumable: true,
    },
    flow: null,
    flowThresholds: {
      noOutputMs: 60_000,
      maxLagRecords: 1_000,
      checkpointMaxAgeMs: 600_000,
      deadLetterWindowMs: 300_000,
      fromSpec: [],
    },
    ...overrides,
  };
}

/**
 * A fresh fake API for each test of the calling file: started before, closed after each test.
 * Read `fake` and `url` inside tests (they change per test).
 */
export function fakeApiPerTest(): { readonly fake: FakeApi; readonly url: string } {
  const current = { fake: new FakeApi(), url: "" };
  beforeEach(async () => {
    current.fake = new FakeApi();
    current.url = await current.fake.start();
  });
  afterEach(() => current.fake.close());
  return current;
}
