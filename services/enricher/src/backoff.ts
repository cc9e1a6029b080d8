/** Settings of the jittered exponential backoff. */
export interface BackoffPolicy {
  /** Delay scale of the first retry. */
  baseMs: number;
  /** Cap of one delay. */
  maxDelayMs: number;
  /** Bound of the total time spent retrying one request (waits included). */
  totalMs: number;
}

/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniformly random delay in
 * [0, min(maxDelayMs, baseMs * 2^attempt)). Spreading retries randomly keeps many
 * clients hit by the same 429 from retrying in lock-step.
 *
 * @example backoffDelay(3, { baseMs: 100, maxDelayMs: 10_000, totalMs: 60_000 }) // in [0, 800)
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * Decides the wait before the next retry of one request, or that retrying must stop
 * because the total time bound would be exceeded. A server-given `retryAfterMs` is a
 * floor (the provider said when capacity returns); jitter is added above it so
 * clients told the same instant do not all come back at once.
 */
export class RetrySchedule {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  readonly #deadline: number;
  #attempt = 0;

  constructor(policy: BackoffPolicy, now: number, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
    this.#deadline = now + policy.totalMs;
  }

  /** Retries granted so far. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The wait before the next try, or `undefined` when the total bound is spent. */
  next(now: number, retryAfterMs?: number): number | undefined {
    const jitter = backoffDelay(this.#attempt, this.#policy, this.#random);
    const delay = retryAfterMs === undefined ? jitter : retryAfterMs + Math.min(jitter, 1000);
    if (now + delay > this.#deadline) return undefined;
    this.#attempt += 1;
    return delay;
  }
}
