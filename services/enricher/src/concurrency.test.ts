import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConcurrencyController, type Permit } from "./concurrency.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const controller = (options: Partial<ConstructorParameters<typeof ConcurrencyController>[0]> = {}) =>
  new ConcurrencyController({ min: 1, max: 16, initial: 4, now: () => Date.now(), ...options });

async function acquireAll(c: ConcurrencyController, n: number): Promise<{ granted: Permit[] }> {
  const granted: Permit[] = [];
  for (let i = 0; i < n; i++) void c.acquire().then((p) => granted.push(p));
  await vi.advanceTimersByTimeAsync(0);
  return { granted };
}

describe("ConcurrencyController (AIMD)", () => {
  it("never grants more than the limit at once", async () => {
    const c = controller();
    const { granted } = await acquireAll(c, 10);
    expect(granted.length).toBe(4);
    expect(c.waiting).toBe(6);
    granted[0]?.release("failed");
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.length).toBe(5);
  });

  it("increases additively: about +1 per round of successes", async () => {
    const c = controller();
    for (let round = 0; round < 3; round++) {
      const limit = c.limit;
      const { granted } = await acquireAll(c, limit);
      for (const p of granted) p.release("success");
      expect(c.limit).toBe(limit + 1);
    }
    expect(c.limit).toBe(7);
  });

  it("does not exceed max", async () => {
    const c = controller({ max: 5, initial: 5 });
    for (let i = 0; i < 20; i++) (await c.acquire()).release("success");
    expect(c.limit).toBe(5);
  });

  it("halves on a 429, once per round, never below min", async () => {
    const c = controller({ initial: 16, defaultPauseMs: 1 });
    const { granted } = await acquireAll(c, 16);
    for (const p of granted) p.release("rate_limited");
    // All 16 were sent before the first decrease: one halving, not sixteen.
    expect(c.limit).toBe(8);
    await vi.advanceTimersByTimeAsync(5);
    for (let i = 0; i < 5; i++) {
      const p = await c.acquire();
      p.release("rate_limited");
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(c.limit).toBe(1);
  });

  it("pauses all sending for retry-after", async () => {
    const onPause = vi.fn();
    const c = controller({ onPause });
    const first = await c.acquire();
    first.release("rate_limited", { retryAfterMs: 2000 });
    expect(onPause).toHaveBeenCalledWith(expect.any(Number));
    let granted = false;
    void c.acquire().then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(1900);
    expect(granted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(granted).toBe(true);
    expect(onPause).toHaveBeenLastCalledWith(undefined);
  });

  it("waits for the reset when the remaining budget is zero", async () => {
    const c = controller();
    (await c.acquire()).release("success", { remainingRequests: 0, resetRequestsMs: 1000 });
    expect(c.pausedUntil).toBeGreaterThan(Date.now());
    let granted = false;
    void c.acquire().then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(granted).toBe(true);
  });

  it("spaces requests out when the mirrored request budget is low", async () => {
    const c = controller({ initial: 8 });
    // 1 of 60 left, full again in 59 s: one request per second refills.
    (await c.acquire()).release("success", {
      limitRequests: 60,
      remainingRequests: 1,
      resetRequestsMs: 59_000,
    });
    const { granted } = await acquireAll(c, 3);
    expect(granted.length).toBe(1);
    await vi.advanceTimersByTimeAsync(990);
    expect(granted.length).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(granted.length).toBe(2);
  });

  it("waits for enough token budget for the request, pausing the consumer when long", async () => {
    const onPause = vi.fn();
    const c = controller({ onPause });
    // 500 of 10 000 tokens left, full in 57 s: 1/6 token per ms.
    (await c.acquire()).release("success", {
      limitTokens: 10_000,
      remainingTokens: 500,
      resetTokensMs: 57_000,
    });
    let granted = false;
    void c.acquire(undefined, 1000).then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(false);
    expect(onPause).toHaveBeenCalledWith(expect.any(Number));
    await vi.advanceTimersByTimeAsync(3001);
    expect(granted).toBe(true);
  });

  it("does not hold back requests while the budget is ample", async () => {
    const c = controller({ initial: 8 });
    (await c.acquire()).release("success", {
      limitRequests: 600,
      remainingRequests: 590,
      resetRequestsMs: 1000,
    });
    const { granted } = await acquireAll(c, 8);
    expect(granted.length).toBe(8);
  });

  it("tells the consumer to resume even when nobody waits", async () => {
    const onPause = vi.fn();
    const c = controller({ onPause });
    c.pauseUntil(Date.now() + 500);
    await vi.advanceTimersByTimeAsync(501);
    expect(onPause).toHaveBeenLastCalledWith(undefined);
  });

  it("rejects a waiter whose signal aborts", async () => {
    const c = controller({ initial: 1 });
    await c.acquire();
    const abort = new AbortController();
    const waiting = c.acquire(abort.signal);
    abort.abort(new Error("rebalance"));
    await expect(waiting).rejects.toThrow("rebalance");
    expect(c.waiting).toBe(0);
  });

  it("ignores a second release of the same permit", async () => {
    const c = controller({ initial: 2 });
    const p = await c.acquire();
    p.release("failed");
    p.release("failed");
    expect(c.inFlight).toBe(0);
  });
});
