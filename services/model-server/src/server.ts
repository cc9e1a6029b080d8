import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  type Answer,
  answer,
  answerContent,
  BadTaskError,
  type ChatRequest,
  chatRequestSchema,
  estimateTokens,
  promptTokens,
} from "./chat.ts";
import {
  FAULT_KINDS,
  FaultInjector,
  type FaultKind,
  type FaultRates,
  faultRatesSchema,
  seededRandom,
} from "./faults.ts";
import { type LimitKind, RateLimiter } from "./rate-limit.ts";

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

/** Counters exposed by `GET /stats` and `stats()`. */
export interface ModelServerStats {
  /** Chat completion requests received, whatever their outcome. */
  requests: number;
  /** Chat completions answered with HTTP 200 (including content faults). */
  completions: number;
  /** Records answered in themes tasks. */
  records: number;
  rateLimited: number;
  rateLimitedBy: Record<LimitKind, number>;
  unauthorized: number;
  badRequests: number;
  faults: Record<FaultKind, number>;
  tokens: { prompt: number; completion: number; total: number };
  /** Most admitted chat completions in progress at once (how parallel the client really was). */
  peakInFlight: number;
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
const MAX_BODY_BYTES = 8 * 1024 * 1024;

function emptyStats(): ModelServerStats {
  return {
    requests: 0,
    completions: 0,
    records: 0,
    rateLimited: 0,
    rateLimitedBy: { requests: 0, tokens: 0 },
    unauthorized: 0,
    badRequests: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    tokens: { prompt: 0, completion: 0, total: 0 },
    peakInFlight: 0,
  };
}

/** An error answered in OpenAI's shape: `{"error":{"message","type","param","code"}}`. */
class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    message: string,
    type: string,
    code: string | null = null,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }
}

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
  const latencyMs = options.latencyMs ?? 0;
  const latencyJitterMs = options.latencyJitterMs ?? 0;
  const faultTimeoutMs = options.faultTimeoutMs ?? 120_000;
  const models = options.models ?? DEFAULT_MODELS;
  const apiKey = options.apiKey ? Buffer.from(options.apiKey) : undefined;
  const faults = new FaultInjector(faultRatesSchema.parse(options.faults ?? {}), seed);
  const jitter = seededRandom(seed ^ 0x5eed);
  const limiter = new RateLimiter({ rpm: options.rpm ?? 0, tpm: options.tpm ?? 0 }, Date.now());
  const closing = new AbortController();
  let stats = emptyStats();
  let inFlight = 0;

  const rateHeaders = () => limiter.headers(Date.now());

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
      "x-request-id": `req_${randomBytes(16).toString("hex")}`,
      "openai-version": "2020-10-01",
      ...rateHeaders(),
      ...headers,
    });
    res.end(payload);
  }

  function sendError(res: ServerResponse, error: ApiError): void {
    send(
      res,
      error.status,
      { error: { message: error.message, type: error.type, param: error.param, code: error.code } },
      error.headers,
    );
  }

  function authorize(req: IncomingMessage): void {
    if (!apiKey) return;
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1]) {
      stats.unauthorized++;
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error",
      );
    }
    const given = Buffer.from(match[1].trim());
    if (given.length !== apiKey.length || !timingSafeEqual(given, apiKey)) {
      stats.unauthorized++;
      // Unlike OpenAI, the given key is not echoed (not even masked): secrets never go in responses.
      throw new ApiError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    }
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        throw new ApiError(
          413,
          `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`,
          "invalid_request_error",
        );
      }
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw new ApiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        "invalid_request_error",
      );
    }
  }

  async function chatCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    authorize(req);
    const parsed = chatRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        400,
        `Invalid request body: ${z.prettifyError(parsed.error)}`,
        "invalid_request_error",
        null,
        issue ? issue.path.join(".") : null,
      );
    }
    const request: ChatRequest = parsed.data;
    if (request.stream) {
      throw new ApiError(
        400,
        "This stand-in does not support streaming; omit `stream`.",
        "invalid_request_error",
        null,
        "stream",
      );
    }
    let computed: Answer;
    try {
      computed = answer(request);
    } catch (error) {
      if (error instanceof BadTaskError)
        throw new ApiError(400, error.message, "invalid_request_error", null, "messages");
      throw error;
    }
    const content = answerContent(computed);
    const prompt = promptTokens(request);
    const completion = estimateTokens(content);

    // Rate limits are checked on arrival, before any latency, as OpenAI does.
    const admission = limiter.admit(prompt + completion, Date.now(), request.model);
    if (!admission.admitted) {
      stats.rateLimited++;
      stats.rateLimitedBy[admission.kind]++;
      throw new ApiError(429, admission.message, admission.kind, "rate_limit_exceeded", null, {
        "retry-after": String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))),
        "retry-after-ms": String(admission.retryAfterMs),
      });
    }

    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    try {
      await respond(req, res, request, computed, content, prompt);
    } finally {
      inFlight--;
    }
  }

  /** The admitted part of a chat completion: latency, faults, the reply. */
  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    request: ChatRequest,
    computed: Answer,
    content: string,
    prompt: number,
  ): Promise<void> {
    const started = Date.now();
    const delay = latencyMs + (latencyJitterMs > 0 ? Math.floor(jitter() * latencyJitterMs) : 0);
    const drawn = faults.next();
    // Ids exist only in themes tasks; for free text that draw is a no-fault (still drawn,
    // so the sequence of later faults does not depend on the kind of request).
    const fault = drawn === "wrong_ids" && computed.kind !== "task" ? undefined : drawn;
    if (fault) stats.faults[fault]++;
    if (delay > 0) await sleep(delay, undefined, { signal: closing.signal });

    if (fault === "timeout") {
      await sleep(faultTimeoutMs, undefined, { signal: closing.signal });
      req.socket.destroy();
      return;
    }
    if (fault === "5xx") {
      throw faults.coin()
        ? new ApiError(
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
          )
        : new ApiError(503, "The engine is currently overloaded, please try again later.", "server_error");
    }

    let finalContent = content;
    let finishReason: "stop" | "length" = "stop";
    if (fault === "invalid_json") {
      finalContent = "I'm sorry, but I can't provide the themes for these reviews right now.";
    } else if (fault === "wrong_ids" && computed.kind === "task") {
      finalContent = JSON.stringify({ results: wrongIds(computed.results) });
    } else if (fault === "truncated") {
      finalContent = content.slice(0, Math.floor(content.length / 2));
      finishReason = "length";
    }
    // A max token budget smaller than the answer cuts it, like a real model does.
    const budget = request.max_completion_tokens ?? request.max_tokens;
    if (budget && estimateTokens(finalContent) > budget) {
      finalContent = finalContent.slice(0, budget * 4);
      finishReason = "length";
    }

    const completionTokens = estimateTokens(finalContent);
    stats.completions++;
    if (computed.kind === "task") stats.records += computed.task.records.length;
    stats.tokens.prompt += prompt;
    stats.tokens.completion += completionTokens;
    stats.tokens.total += prompt + completionTokens;
    send(
      res,
      200,
      {
        id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: finalContent, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completionTokens,
          total_tokens: prompt + completionTokens,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: {
            reasoning_tokens: 0,
            audio_tokens: 0,
            accepted_prediction_tokens: 0,
            rejected_prediction_tokens: 0,
          },
        },
        service_tier: "default",
        system_fingerprint: "fp_sluice_lexicon",
      },
      { "openai-processing-ms": String(Date.now() - started) },
    );
  }

  function listModels(req: IncomingMessage, res: ServerResponse, id?: string): void {
    authorize(req);
    const entry = (m: string) => ({ id: m, object: "model", created: 1_700_000_000, owned_by: "sluice" });
    if (id === undefined) {
      send(res, 200, { object: "list", data: models.map(entry) });
      return;
    }
    if (!models.includes(id)) {
      throw new ApiError(
        404,
        `The model '${id}' does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
      );
    }
    send(res, 200, entry(id));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    if (method === "POST" && path === "/v1/chat/completions") return chatCompletion(req, res);
    if (method === "GET" && path === "/v1/models") return listModels(req, res);
    if (method === "GET" && path.startsWith("/v1/models/")) {
      return listModels(req, res, decodeURIComponent(path.slice("/v1/models/".length)));
    }
    if (method === "GET" && path === "/healthz") return send(res, 200, { status: "ok" });
    if (method === "GET" && path === "/stats") return send(res, 200, stats);
    if (method === "POST" && path === "/stats/reset") {
      stats = emptyStats();
      return send(res, 200, stats);
    }
    throw new ApiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error");
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (closing.signal.aborted) {
        res.destroy();
        return;
      }
      if (error instanceof ApiError) {
        if (error.status === 400 || error.status === 413) stats.badRequests++;
        sendError(res, error);
        return;
      }
      // Never a stack trace to the client; the operator gets it on stderr.
      console.error("model-server: unexpected error", error);
      sendError(
        res,
        new ApiError(500, "The server had an error while processing your request.", "server_error"),
      );
    });
  });
  // A `timeout` fault must outlive client timeouts; Node's defaults would cut it at 300 s.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}/v1`;
  (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
    `${STAND_IN_NOTICE}; listening on ${url}`,
  );

  return {
    url,
    port: address.port,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
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

/** Results with the first id altered and, when there are several, the last one missing. */
function wrongIds(results: { id: string; themes: string[] }[]): { id: string; themes: string[] }[] {
  const out = results.map((r, i) => (i === 0 ? { ...r, id: `${r.id}-x` } : r));
  return out.length > 1 ? out.slice(0, -1) : out;
}
