import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 000). */
  timeout?: number;
  /** Poll every this many milliseconds (default 250). */
  interval?: number;
  /** What is awaited, for the error message ("job RUNNING"). */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value and returns that value.
 * A throwing predicate counts as "not yet"; its last error is reported on timeout.
 *
 * @example
 *   const job = await waitFor(async () => (await jobs()).find((j) => j.state === "RUNNING"),
 *     { timeout: 60_000, description: "the job to run" });
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeout = 30_000, interval = 250, description = "a condition" }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeout} ms waiting for ${description}${reason}`);
    }
    await sleep(interval);
  }
}
