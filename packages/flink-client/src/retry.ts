import { FlinkClientError } from "./errors.ts";

/**
 * How the client retries a request that failed for a transient reason.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 2_000, totalTimeoutMs: 15_000 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Ceiling of the first retry's delay; each retry doubles it (full jitter below the ceiling). */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  totalTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  totalTimeoutMs: 15_000,
};

/** Clock and randomness, replaceable in tests. */
export interface RetryEnvironment {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
}

export const realRetryEnvironment: RetryEnvironment = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

/**
 * Whether a failed request may be sent again.
 *
 * Idempotent requests (GETs, closing a session) are retried on every retryable
 * error. A request that creates something (a statement, a savepoint, a stop) is
 * retried only when Flink certainly did not process it: the connection never
 * opened, or Flink answered 503 (it rejects work while a leader is elected).
 * Retrying it after a timeout or a reset could submit the same job twice.
 */
export function shouldRetry(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof FlinkClientError) || !error.retryable) return false;
  if (idempotent) return true;
  return error.notSent || error.status === 503;
}

/**
 * Delay before retry number `retry` (1-based): full jitter, a uniform draw from
 * [0, ceiling] where the ceiling doubles from `baseDelayMs` up to `maxDelayMs`
 * (so clients that failed together do not retry together).
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the
 * policy's bounds are reached; the error thrown last carries the attempt count.
 *
 * @example
 * ```ts
 * const overview = await withRetry(() => getOverview(http), DEFAULT_RETRY_POLICY, { idempotent: true });
 * ```
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { idempotent: boolean; env?: RetryEnvironment },
): Promise<T> {
  const env = options.env ?? realRetryEnvironment;
  const started = env.now();
  for (let attemptNo = 1; ; attemptNo++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof FlinkClientError) error.attempts = attemptNo;
      if (attemptNo >= policy.maxAttempts || !shouldRetry(error, options.idempotent)) throw error;
      const delay = backoffDelay(policy, attemptNo, env.random);
      if (env.now() - started + delay > policy.totalTimeoutMs) throw error;
      await env.sleep(delay);
    }
  }
}
