import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  type Answer,
  answer,
  answerContent,
  type ChatRequest,
  chatRequestSchema,
  estimateTokens,
  promptTokens,
} from "./chat.ts";
import { ModelServerError } from "./errors.ts";
import type { FaultInjector, FaultKind } from "./faults.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { ModelServerStats } from "./stats.ts";

/** What the chat completions endpoint shares with the rest of the server. */
export interface CompletionsDeps {
  /** The current counters (replaced on reset). */
  stats: () => ModelServerStats;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Uniform [0, 1) draws for latency jitter. */
  jitter: () => number;
  /** Aborted when the server closes: held requests end at once. */
  closing: AbortSignal;
  send: (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;
  latencyMs: number;
  latencyJitterMs: number;
  faultTimeoutMs: number;
}

/** The content a fault leaves of an answer, and the finish reason that goes with it. */
interface Reply {
  content: string;
  finishReason: "stop" | "length";
}

/** `POST /v1/chat/completions`: validation, rate limits, latency, faults, the reply. */
export class Completions {
  readonly #deps: CompletionsDeps;
  #inFlight = 0;

  constructor(deps: CompletionsDeps) {
    this.#deps = deps;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const request = parseRequest(body);
    const computed = answer(request);
    const content = answerContent(computed);
    const prompt = promptTokens(request);
    // Rate limits are checked on arrival, before any latency, as OpenAI does.
    const admission = this.#deps.limiter.admit(prompt + estimateTokens(content), Date.now(), request.model);
    if (!admission.admitted) {
      const stats = this.#deps.stats();
      stats.rateLimited++;
      stats.rateLimitedBy[admission.kind]++;
      throw new ModelServerError("rate_limited", admission.message, {
        type: admission.kind,
        headers: {
          "retry-after": String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))),
          "retry-after-ms": String(admission.retryAfterMs),
        },
      });
    }
    this.#inFlight++;
    const stats = this.#deps.stats();
    stats.peakInFlight = Math.max(stats.peakInFlight, this.#inFlight);
    try {
      await this.#respond(req, res, request, computed, prompt);
    } finally {
      this.#inFlight--;
    }
  }

  /** The admitted part of a chat completion: latency, faults, the reply. */
  async #respond(
    req: IncomingMessage,
    res: ServerResponse,
    request: ChatRequest,
    computed: Answer,
    prompt: number,
  ): Promise<void> {
    const { faults, closing, latencyMs, latencyJitterMs } = this.#deps;
    const started = Date.now();
    const delay = latencyMs + (latencyJitterMs > 0 ? Math.floor(this.#deps.jitter() * latencyJitterMs) : 0);
    const drawn = faults.next();
    // Ids exist only in themes tasks; for free text that draw is a no-fault (still drawn,
    // so the sequence of later faults does not depend on the kind of request).
    const fault = drawn === "wrong_ids" && computed.kind !== "task" ? undefined : drawn;
    if (fault) this.#deps.stats().faults[fault]++;
    if (delay > 0) await sleep(delay, undefined, { signal: closing });
    if (fault === "timeout") {
      await sleep(this.#deps.faultTimeoutMs, undefined, { signal: closing });
      req.socket.destroy();
      return;
    }
    if (fault === "5xx") {
      throw faults.coin()
        ? new ModelServerError(
            "server_error",
            "The server had an error while processing your request. Sorry about that!",
          )
        : new ModelServerError("overloaded", "The engine is currently overloaded, please try again later.");
    }
    const reply = faultyReply(computed, fault, request.max_completion_tokens ?? request.max_tokens);
    const completionTokens = estimateTokens(reply.content);
    const stats = this.#deps.stats();
    stats.completions++;
    if (computed.kind === "task") stats.records += computed.task.records.length;
    stats.tokens.prompt += prompt;
    stats.tokens.completion += completionTokens;
    stats.tokens.total += prompt + completionTokens;
    this.#deps.send(res, 200, completionBody(request.model, reply, prompt, completionTokens), {
      "openai-processing-ms": String(Date.now() - started),
    });
  }
}

function parseRequest(body: unknown): ChatRequest {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelServerError("invalid_body", `Invalid request body: ${z.prettifyError(parsed.error)}`, {
      param: issue ? issue.path.join(".") : null,
    });
  }
  if (parsed.data.stream) {
    throw new ModelServerError(
      "stream_unsupported",
      "This stand-in does not support streaming; omit `stream`.",
      {
        param: "stream",
      },
    );
  }
  return parsed.data;
}

/** The content after a content fault and the token budget (a smaller budget cuts it, like a real model). */
function faultyReply(
  computed: Answer,
  fault: FaultKind | undefined,
  budget: number | null | undefined,
): Reply {
  const content = answerContent(computed);
  let reply: Reply = { content, finishReason: "stop" };
  if (fault === "invalid_json") {
    reply = {
      content: "I'm sorry, but I can't provide the themes for these reviews right now.",
      finishReason: "stop",
    };
  } else if (fault === "wrong_ids" && computed.kind === "task") {
    reply = { content: JSON.stringify({ results: wrongIds(computed.results) }), finishReason: "stop" };
  } else if (fault === "truncated") {
    reply = { content: content.slice(0, Math.floor(content.length / 2)), finishReason: "length" };
  }
  if (budget && estimateTokens(reply.content) > budget) {
    reply = { content: reply.content.slice(0, budget * 4), finishReason: "length" };
  }
  return reply;
}

/** Results with the first id altered and, when there are several, the last one missing. */
function wrongIds(results: { id: string; themes: string[] }[]): { id: string; themes: string[] }[] {
  const out = results.map((r, i) => (i === 0 ? { ...r, id: `${r.id}-x` } : r));
  return out.length > 1 ? out.slice(0, -1) : out;
}

/** A Chat Completions response body, as OpenAI shapes it. */
function completionBody(model: string, reply: Reply, prompt: number, completion: number) {
  return {
    id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
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
  };
}
