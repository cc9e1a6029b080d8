import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Completions } from "./completions.ts";
import { FaultInjector, type FaultRates, faultRatesSchema, seededRandom } from "./faults.ts";
import { sendJson } from "./http.ts";
import { RateLimiter } from "./rate-limit.ts";
import { Routes } from "./routes.ts";
import { emptyStats, type ModelServerStats } from "./stats.ts";

export type { ModelServerStats } from "./stats.ts";

/** Options of {@link startModelServer}; every field is optional. */
export interface ModelServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Fixed latency added to every admitted chat completion, in ms. */
  latencyMs?: number;
  /** Extra latency drawn uniformly from [0, latencyJitterMs) per request (seeded). */
  latencyJitterMs?: number;
  /** Requests per minute; 0 = unlimited (the default). */
  rpm?: number;
  /** Tokens per minute (prompt + completion estimate); 0 = unlimited (the default). */
  tpm?: number;
  /** Fault rates by kind (0..1, sum <= 1); missing kinds are 0. */
  faults?: Partial<FaultRates>;
  /** How long a `timeout` fault holds the request before closing it; default 120 000 ms. */
  faultTimeoutMs?: number;
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Seed of the PRNG behind faults and jitter; default 42. */
  seed?: number;
  /** Model ids listed by `GET /v1/models` (any model id is accepted by chat completions). */
  models?: string[];
  /** Where the start-up line goes; default stderr. Pass `() => {}` to silence it. */
  log?: (line: string) => void;
}

/** A running model server. */
export interface ModelServer {
  /** Base URL for an OpenAI client, including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  readonly port: number;
  stats(): ModelServerStats;
  resetStats(): void;
  /** Replace the fault rates (missing kinds become 0). Throws on invalid rates. */
  setFaults(faults: Partial<FaultRates>): void;
  /** Stop listening and drop open connections (including held `timeout` faults). */
  close(): Promise<void>;
}

export const STAND_IN_NOTICE =
  "model-server: answers come from a fixed keyword lexicon (a stand-in for tests, benchmarks and the " +
  "offline demo), not from a language model";

const DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"];

/**
 * Start an OpenAI-compatible Chat Completions server backed by the themes lexicon.
 *
 * @example
 * const server = await startModelServer({ latencyMs: 400, rpm: 600, tpm: 150_000 });
 * const client = new OpenAI({ baseURL: server.url, apiKey: "unused" });
 * // ... client.chat.completions.create({ model: "gpt-4o-mini", messages: [...] })
 * await server.close();
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const seed = options.seed ?? 42;
  const models = options.models ?? DEFAULT_MODELS;
  const apiKey = options.apiKey ? Buffer.from(options.apiKey) : undefined;
  const faults = new FaultInjector(faultRatesSchema.parse(options.faults ?? {}), seed);
  const limiter = new RateLimiter({ rpm: options.rpm ?? 0, tpm: options.tpm ?? 0 }, Date.now());
  const closing = new AbortController();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    sendJson(res, status, body, { ...limiter.headers(Date.now()), ...headers });
  const completions = new Completions({
    stats: () => routes.stats,
    limiter,
    faults,
    jitter: seededRandom(seed ^ 0x5eed),
    closing: closing.signal,
    send,
    latencyMs: options.latencyMs ?? 0,
    latencyJitterMs: options.latencyJitterMs ?? 0,
    faultTimeoutMs: options.faultTimeoutMs ?? 120_000,
  });
  const routes = new Routes({ apiKey, models, completions, closing: closing.signal, send });
  const server = createServer((req, res) => routes.handle(req, res));
  // A `timeout` fault must outlive client timeouts; Node's defaults would cut it at 300 s.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  const url = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
    `${STAND_IN_NOTICE}; listening on ${url}`,
  );

  return {
    url,
    port: (server.address() as AddressInfo).port,
    stats: () => structuredClone(routes.stats),
    resetStats: () => {
      routes.stats = emptyStats();
    },
    setFaults: (rates) => {
      faults.rates = faultRatesSchema.parse(rates);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Listens and returns the base URL for clients. */
async function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${address.port}/v1`;
}
