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
  grant: (permit: Permit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Adaptive concurrency for model requests (AIMD, as TCP congestion control): each
 * success raises the limit by 1/limit (about +1 per round of requests), each 429 halves
 * it (once per round: 429s of requests started before the last decrease do not count
 * again). Besides the limit, a gate closes all sending while the provider says its
 * budget is spent: `retry-after(-ms)` on a 429, or `x-ratelimit-remaining-*` at 0
 * until the matching `x-ratelimit-reset-*`.
 *
 * @example
 * const c = new ConcurrencyController({ min: 1, max: 32 });
 * const permit = await c.acquire();
 * try { ...call the model...; permit.release("success", info) } catch { permit.release("failed") }
 */
export class ConcurrencyController {
  readonly #min: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #defaultPauseMs: number;
  readonly #now: () => number;
  readonly #onPause: ((until: number | undefined) => void) | undefined;
  #limit: number;
  #inFlight = 0;
  #decreaseEpoch = 0;
  #pausedUntil = 0;
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

  /** Waits for a slot and an open gate. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((grant, reject) => {
      const waiter: Waiter = {
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
    this.#pump();
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
    if (info) {
      // The provider's own accounting: when a budget is spent, wait for its reset
      // instead of collecting 429s.
      if (info.remainingRequests === 0 && info.resetRequestsMs !== undefined) {
        this.pauseUntil(now + info.resetRequestsMs);
      }
      if (info.remainingTokens === 0 && info.resetTokensMs !== undefined) {
        this.pauseUntil(now + info.resetTokensMs);
      }
    }
    this.#pump();
  }

  #pump(): void {
    const now = this.#now();
    if (this.#pausedUntil > now) {
      if (!this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, this.#pausedUntil - now);
      }
      return;
    }
    if (this.#pausedUntil !== 0) {
      this.#pausedUntil = 0;
      this.#onPause?.(undefined);
    }
    while (this.#waiters.length > 0 && this.#inFlight < Math.floor(this.#limit)) {
      const waiter = this.#waiters.shift() as Waiter;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
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
      waiter.grant(permit);
    }
  }
}
