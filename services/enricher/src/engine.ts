import { setTimeout as sleep } from "node:timers/promises";
import type { EnrichmentTask } from "@sluice/flink-jobs";
import { type BackoffPolicy, RetrySchedule } from "./backoff.ts";
import { type BatchLimits, planBatches, type ReviewInput, requestTokens, splitInHalves } from "./batching.ts";
import type { ThemeCache } from "./cache.ts";
import type { ConcurrencyController } from "./concurrency.ts";
import { ModelCallError, ModelUnavailableError } from "./errors.ts";
import type { EnricherMetrics } from "./metrics.ts";
import { classifyError } from "./model-client.ts";
import type { ModelClient } from "./model-protocol.ts";
import { cacheKey } from "./normalise.ts";
import { type KindReply, type TaskKind, taskKind } from "./task-kinds.ts";

/** Why a record cannot be enriched; written to the dead-letter header `sluice-error-code`. */
export type RecordErrorCode =
  | "malformed_json"
  | "missing_id"
  | "missing_text"
  | "invalid_response"
  | "id_mismatch"
  | "model_rejected"
  | "unsupported_task";

/** The outcome for one record. */
export type RecordOutcome =
  | {
      kind: "enriched";
      /** The output field's value: `string[]` for themes, the schema's shape for custom. */
      value: unknown;
    }
  | { kind: "failed"; code: RecordErrorCode; message: string };

/** What the engine needs; all replaceable in unit tests. */
export interface EngineDeps {
  model: ModelClient;
  controller: ConcurrencyController;
  cache: ThemeCache;
  limits: BatchLimits;
  backoff: BackoffPolicy;
  metrics: EnricherMetrics;
  /** Called with each new cache entry (to persist it). */
  onCacheEntry?: (key: string, value: unknown) => void;
  now?: () => number;
  random?: () => number;
}

/** Per-call context: the task, the effective model, and an abort signal. */
export interface EnrichContext {
  task: EnrichmentTask;
  model: string;
  signal?: AbortSignal;
}

/** Expected completion tokens per record (a handful of short themes in JSON). */
const COMPLETION_TOKENS_PER_RECORD = 20;

/**
 * Tries of a single record whose replies are unusable before it is dead-lettered: a bad
 * reply can be a fluke (sampling, a flaky provider), so one record gets more than one.
 */
export const SINGLE_RECORD_TRIES = 3;

interface Pending extends ReviewInput {
  key: string;
  /** Tries of this record alone in a request. */
  singleTries: number;
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Turns review texts into themes at the least cost: cache first, one model call per
 * distinct text even across concurrent calls, several texts per request, splitting a
 * request whose reply is unusable down to single records, and retries with jittered
 * backoff under the adaptive concurrency limit.
 *
 * @example
 * const outcomes = await engine.enrich([{ id: "1", text: "Great battery" }], { task, model: "gpt-4o" });
 * // [{ kind: "enriched", value: ["battery"] }]
 */
export class EnrichmentEngine {
  readonly #deps: EngineDeps;
  readonly #now: () => number;
  /** Model answers still on their way, by cache key: a duplicate waits for the same one. */
  readonly #inFlight = new Map<string, Promise<RecordOutcome>>();

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Outcomes in the order of `records`. Throws ModelUnavailableError or the abort reason. */
  async enrich(records: readonly ReviewInput[], ctx: EnrichContext): Promise<RecordOutcome[]> {
    const { cache, metrics } = this.#deps;
    let kind: TaskKind;
    try {
      kind = taskKind(ctx.task, this.#deps.model);
    } catch (error) {
      const message = (error as Error).message;
      return records.map(() => ({ kind: "failed", code: "unsupported_task", message }));
    }
    const outcomes: Promise<RecordOutcome>[] = [];
    const toAsk: Pending[] = [];
    for (const record of records) {
      const key = cacheKey(record.text, ctx.task, ctx.model);
      outcomes.push(this.#known(key) ?? this.#pending(key, record.text, toAsk));
    }
    metrics.cacheSize.set(cache.size);
    const batches = planBatches(toAsk, this.#deps.limits);
    const runs = batches.map((batch) =>
      this.#runBatch(batch, kind, ctx).catch((error: unknown) => {
        for (const item of batch) item.reject(error);
        throw error;
      }),
    );
    const settled = await Promise.allSettled(runs);
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw failure.reason;
    return Promise.all(outcomes);
  }

  /** The outcome of a text already answered (cache) or being answered (in flight). */
  #known(key: string): Promise<RecordOutcome> | undefined {
    const { cache, metrics } = this.#deps;
    const cached = cache.get(key);
    if (cached !== undefined) {
      metrics.cacheHits.inc({ source: "memory" });
      return Promise.resolve({ kind: "enriched", value: cached });
    }
    const waiting = this.#inFlight.get(key);
    if (waiting !== undefined) metrics.cacheHits.inc({ source: "in_flight" });
    return waiting;
  }

  /** A text to ask the model about, added to `toAsk`; its outcome is shared while in flight. */
  #pending(key: string, text: string, toAsk: Pending[]): Promise<RecordOutcome> {
    const { cache, metrics } = this.#deps;
    metrics.cacheMisses.inc();
    const { promise, resolve, reject } = Promise.withResolvers<RecordOutcome>();
    // Rejections are handled through the caller's outcomes; this keeps a duplicate-less
    // promise from being reported as unhandled.
    promise.catch(() => {});
    this.#inFlight.set(key, promise);
    toAsk.push({
      id: `r${toAsk.length + 1}`,
      text,
      key,
      singleTries: 0,
      resolve: (outcome) => {
        if (outcome.kind === "enriched") {
          cache.set(key, outcome.value);
          this.#deps.onCacheEntry?.(key, outcome.value);
        }
        this.#inFlight.delete(key);
        resolve(outcome);
      },
      reject: (error) => {
        this.#inFlight.delete(key);
        reject(error);
      },
    });
    return promise;
  }

  /** Asks the model for one batch; resolves every item, or throws for the whole batch. */
  async #runBatch(batch: Pending[], kind: TaskKind, ctx: EnrichContext): Promise<void> {
    const reply = await this.#call(batch, kind, ctx);
    if (reply instanceof ModelCallError) {
      // The provider refused this request (e.g. too long): find the record(s) to blame.
      return this.#splitOrFail(batch, kind, ctx, "model_rejected", reply.message);
    }
    if (reply.kind === "invalid") {
      return this.#splitOrFail(batch, kind, ctx, "invalid_response", `${reply.reason}: ${reply.detail}`);
    }
    const byId = new Map<string, unknown>();
    const duplicated = new Set<string>();
    for (const result of reply.results) {
      if (byId.has(result.id)) duplicated.add(result.id);
      byId.set(result.id, result.raw);
    }
    const missing: Pending[] = [];
    let rejectedResults = 0;
    for (const item of batch) {
      if (!byId.has(item.id) || duplicated.has(item.id)) {
        missing.push(item);
        continue;
      }
      const value = kind.accept(byId.get(item.id));
      if (value === undefined) {
        rejectedResults += 1;
        missing.push(item);
      } else {
        item.resolve({ kind: "enriched", value });
      }
    }
    if (missing.length === 0) return;
    if (missing.length === batch.length) {
      return rejectedResults > 0
        ? this.#splitOrFail(batch, kind, ctx, "invalid_response", "result does not follow the output schema")
        : this.#splitOrFail(batch, kind, ctx, "id_mismatch", "no result matched a requested id");
    }
    // Some ids matched: ask again for the others only.
    return this.#runBatch(missing, kind, ctx);
  }

  async #splitOrFail(
    batch: Pending[],
    kind: TaskKind,
    ctx: EnrichContext,
    code: RecordErrorCode,
    message: string,
  ): Promise<void> {
    if (batch.length === 1) {
      const item = batch[0] as Pending;
      item.singleTries += 1;
      if (code !== "model_rejected" && item.singleTries < SINGLE_RECORD_TRIES) {
        return this.#runBatch(batch, kind, ctx);
      }
      item.resolve({ kind: "failed", code, message });
      return;
    }
    const [left, right] = splitInHalves(batch);
    await Promise.all([this.#runBatch(left, kind, ctx), this.#runBatch(right, kind, ctx)]);
  }

  /** One request with retries; a non-retryable error is returned, not thrown. */
  async #call(batch: Pending[], kind: TaskKind, ctx: EnrichContext): Promise<KindReply | ModelCallError> {
    const schedule = new RetrySchedule(this.#deps.backoff, this.#now(), this.#deps.random);
    // Tokens as the provider counts them: the prompt plus the expected completion.
    const tokens = requestTokens(batch) + batch.length * COMPLETION_TOKENS_PER_RECORD;
    for (;;) {
      const reply = await this.#attempt(batch, kind, ctx, tokens);
      if (!(reply instanceof ModelCallError) || !reply.retryable) return reply;
      const tokenLimit = reply.rateLimit.limitTokens;
      if (reply.code === "rate_limited" && tokenLimit !== undefined && tokens > tokenLimit) {
        // Larger than the whole per-minute token budget ("Request too large"): waiting
        // cannot help, a smaller request can.
        const message = `request of ~${tokens} tokens exceeds the limit of ${tokenLimit}`;
        return new ModelCallError("rejected", message, { status: 429, rateLimit: reply.rateLimit });
      }
      const delay = schedule.next(this.#now(), reply.rateLimit.retryAfterMs);
      if (delay === undefined) throw new ModelUnavailableError(reply);
      await sleep(delay, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch((error: unknown) => {
        throw ctx.signal?.reason ?? error;
      });
    }
  }

  /** One request under a concurrency permit; a failed call is returned, an abort thrown. */
  async #attempt(
    batch: Pending[],
    kind: TaskKind,
    ctx: EnrichContext,
    tokens: number,
  ): Promise<KindReply | ModelCallError> {
    const { controller, metrics, model } = this.#deps;
    const permit = await controller.acquire(ctx.signal, tokens);
    metrics.inFlight.set(controller.inFlight);
    const started = performance.now();
    metrics.modelRecords.inc(batch.length);
    const records = batch.map((item) => ({ id: item.id, text: item.text }));
    try {
      const reply = await kind.ask(model, ctx.model, records, ctx.signal);
      permit.release("success", reply.rateLimit);
      metrics.modelRequests.inc({ outcome: reply.kind });
      if (reply.usage) {
        metrics.tokens.inc({ kind: "prompt" }, reply.usage.promptTokens);
        metrics.tokens.inc({ kind: "completion" }, reply.usage.completionTokens);
      }
      return reply;
    } catch (caught) {
      if (ctx.signal?.aborted) {
        permit.release("failed");
        throw ctx.signal.reason;
      }
      const error = classifyError(caught);
      permit.release(error.code === "rate_limited" ? "rate_limited" : "failed", error.rateLimit);
      metrics.modelRequests.inc({ outcome: error.code });
      if (error.code === "rate_limited") metrics.rateLimited.inc();
      return error;
    } finally {
      metrics.requestSeconds.observe((performance.now() - started) / 1000);
      metrics.inFlight.set(controller.inFlight);
      metrics.concurrencyLimit.set(controller.limit);
    }
  }
}
