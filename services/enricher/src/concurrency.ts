import type { RateLimitInfo } from "./rate-limit.ts";

/** Settings of the adaptive concurrency controller. */
export interface ConcurrencyOptions {
  min: number;
  max: number;
  /** Starting limit; `min` when omitted. */
  initial?: number;
  /** Multiplier applied on a 429 (0 < factor < 1). */
  decreaseFactor?: number;
  /** Pause applied on a 429 that carries no retry-after, in milliseconds. */
  defaultPauseMs?: number;
  /** Estimated tokens of a request when `acquire` is not told. */
  tokensPerRequest?: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
  /** Called when sending is paused (until a time) or resumed (`undefined`). */
  onPause?: (until: number | undefined) => void;
}

/** How a request ended, as far as the controller cares. */
export type RequestOutcome = "success" | "rate_limited" | "failed";

/** A granted slot; release it exactly once. */
export interface Permit {
  readonly startedAt: number;
  /** How many decreases had happened when the permit was granted. */
  readonly decreaseEpoch: number;
  release(outcome: RequestOutcome, rateLimit?: RateLimitInfo): void;
}

interface Waiter {
  tokens: number;
  grant: (permit: Permit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Our mirror of one of the provider's budgets (requests or tokens per minute), as the
 * last response's `x-ratelimit-*` headers described it: `available` at time `at`,
 * refilling continuously at `ratePerMs` up to `limit`.
 */
interface Budget {
  available: number;
  at: number;
  ratePerMs: number;
  limit: number;
}

function level(budget: Budget, now: number): number {
  return Math.min(budget.limit, budget.available + (now - budget.at) * budget.ratePerMs);
}

/** Milliseconds until `amount` is available (0 when it is). */
function waitFor(budget: Budget | undefined, amount: number, now: number): number {
  if (!budget || budget.ratePerMs <= 0) return 0;
  // A request larger than the whole budget can only wait for a full bucket.
  const need = Math.min(amount, budget.limit);
  const have = level(budget, now);
  return have >= need ? 0 : Math.ceil((need - have) / budget.ratePerMs);
}

function take(budget: Budget | undefined, amount: number, now: number): void {
  if (!budget) return;
  budget.available = level(budget, now) - amount;
  budget.at = now;
}

/**
 * The provider's budget from headers: remaining R of limit L, full again in `reset`
 * ms, so it refills at (L - R) / reset. Without the limit it cannot be mirrored.
 */
function budgetFrom(
  limit: number | undefined,
  remaining: number | undefined,
  resetMs: number | undefined,
  now: number,
): Budget | undefined {
  if (limit === undefined || remaining === undefined || resetMs === undefined) return undefined;
  const ratePerMs = resetMs > 0 && limit > remaining ? (limit - remaining) / resetMs : limit / 60_000;
  return { available: remaining, at: now, ratePerMs, limit };
}

/**
 * Adaptive concurrency for model requests (AIMD, as TCP congestion control): each
 * success raises the limit by 1/limit (about +1 per round of requests), each 429 halves
 * it (once per round: 429s of requests sent before the last decrease do not count
 * again). Besides the limit, sending waits for the provider's budget:
 * - `retry-after(-ms)` on a 429 closes the gate for that long;
 * - `x-ratelimit-remaining-*` / `-reset-*` / `-limit-*` are mirrored as a refilling
 *   budget, so when little is left requests are spaced out instead of collecting 429s;
 *   without `-limit-*`, a remaining of 0 closes the gate until the reset.
 *
 * @example
 * const c = new ConcurrencyController({ min: 1, max: 32 });
 * const permit = await c.acquire(signal, 1200);
 * try { ...call the model...; permit.release("success", info) } catch { permit.release("failed") }
 */
export class ConcurrencyController {
  readonly #min: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #defaultPauseMs: number;
  readonly #tokensPerRequest: number;
  readonly #now: () => number;
  readonly #onPause: ((until: number | undefined) => void) | undefined;
  #limit: number;
  #inFlight = 0;
  #decreaseEpoch = 0;
  #pausedUntil = 0;
  #requests: Budget | undefined;
  #tokens: Budget | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters: Waiter[] = [];

  constructor(options: ConcurrencyOptions) {
    if (options.min < 1 || options.max < options.min) {
      throw new RangeError(`need 1 <= min <= max, got min=${options.min} max=${options.max}`);
    }
    this.#min = options.min;
    this.#max = options.max;
    this.#limit = Math.min(options.max, Math.max(options.min, options.initial ?? options.min));
    this.#factor = options.decreaseFactor ?? 0.5;
    this.#defaultPauseMs = options.defaultPauseMs ?? 1000;
    this.#tokensPerRequest = options.tokensPerRequest ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#onPause = options.onPause;
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Until when sending is paused (epoch ms), or 0. */
  get pausedUntil(): number {
    return this.#pausedUntil > this.#now() ? this.#pausedUntil : 0;
  }

  /**
   * Waits for a slot, an open gate and enough provider budget for a request of about
   * `tokens` tokens. Rejects with the signal's reason on abort.
   */
  acquire(signal?: AbortSignal, tokens: number = this.#tokensPerRequest): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((grant, reject) => {
      const waiter: Waiter = {
        tokens,
        grant,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /** Closes the gate until `until` (epoch ms); a later time extends, an earlier one is ignored. */
  pauseUntil(until: number): void {
    if (until <= this.#pausedUntil || until <= this.#now()) return;
    this.#pausedUntil = until;
    this.#onPause?.(until);
    this.#schedule(until - this.#now());
  }

  /** Stops timers and rejects everyone waiting. */
  close(reason: unknown = new Error("concurrency controller closed")): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiters.splice(0)) {
      w.signal?.removeEventListener("abort", w.onAbort);
      w.reject(reason);
    }
  }

  #release(permit: Permit, outcome: RequestOutcome, info: RateLimitInfo | undefined): void {
    this.#inFlight -= 1;
    const now = this.#now();
    if (outcome === "success") {
      this.#limit = Math.min(this.#max, this.#limit + 1 / Math.floor(this.#limit));
    } else if (outcome === "rate_limited") {
      // Only a request sent after the last decrease may decrease again: the 429s of
      // one burst describe one overload, not many.
      if (permit.decreaseEpoch === this.#decreaseEpoch) {
        this.#limit = Math.max(this.#min, this.#limit * this.#factor);
        this.#decreaseEpoch += 1;
      }
      this.pauseUntil(now + (info?.retryAfterMs ?? info?.resetRequestsMs ?? this.#defaultPauseMs));
    }
    if (info) this.#observe(info, now);
    this.#pump();
  }

  /** Updates the budget mirrors from a response's headers. */
  #observe(info: RateLimitInfo, now: number): void {
    const requests = budgetFrom(info.limitRequests, info.remainingRequests, info.resetRequestsMs, now);
    if (requests) this.#requests = requests;
    else if (info.remainingRequests === 0 && info.resetRequestsMs !== undefined) {
      this.pauseUntil(now + info.resetRequestsMs);
    }
    const tokens = budgetFrom(info.limitTokens, info.remainingTokens, info.resetTokensMs, now);
    if (tokens) this.#tokens = tokens;
    else if (info.remainingTokens === 0 && info.resetTokensMs !== undefined) {
      this.pauseUntil(now + info.resetTokensMs);
    }
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(1, ms),
    );
  }

  #pump(): void {
    const now = this.#now();
    if (this.#pausedUntil > now) {
      if (!this.#timer) this.#schedule(this.#pausedUntil - now);
      return;
    }
    if (this.#pausedUntil !== 0) {
      this.#pausedUntil = 0;
      this.#onPause?.(undefined);
    }
    while (this.#waiters.length > 0 && this.#inFlight < Math.floor(this.#limit)) {
      const next = this.#waiters[0] as Waiter;
      const wait = Math.max(waitFor(this.#requests, 1, now), waitFor(this.#tokens, next.tokens, now));
      if (wait > 0) {
        // Long waits pause the consumer too (through onPause), short ones only space
        // requests out.
        if (wait >= 500) this.pauseUntil(now + wait);
        else this.#schedule(wait);
        return;
      }
      this.#waiters.shift();
      next.signal?.removeEventListener("abort", next.onAbort);
      take(this.#requests, 1, now);
      take(this.#tokens, next.tokens, now);
      this.#inFlight += 1;
      let released = false;
      const permit: Permit = {
        startedAt: now,
        decreaseEpoch: this.#decreaseEpoch,
        release: (outcome, info) => {
          if (released) return;
          released = true;
          this.#release(permit, outcome, info);
        },
      };
      next.grant(permit);
    }
  }
}
