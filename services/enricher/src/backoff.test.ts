import { describe, expect, it } from "vitest";
import { backoffDelay, RetrySchedule } from "./backoff.ts";
import { parseDurationMs, parseRateLimitHeaders } from "./rate-limit.ts";

const policy = { baseMs: 100, maxDelayMs: 5000, totalMs: 20_000 };

describe("backoffDelay", () => {
  it("stays within [0, min(max, base * 2^attempt))", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** attempt);
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
      const top = backoffDelay(attempt, policy, () => 0.999_999);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it("spreads delays (jitter) rather than repeating one value", () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy, random)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe("RetrySchedule", () => {
  it("stops once the total time bound would be exceeded", () => {
    const schedule = new RetrySchedule(policy, 0, () => 0.999);
    let now = 0;
    const waits: number[] = [];
    for (;;) {
      const wait = schedule.next(now);
      if (wait === undefined) break;
      waits.push(wait);
      now += wait + 10; // the request itself takes 10 ms
    }
    expect(now).toBeLessThanOrEqual(policy.totalMs + 10 * waits.length);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.totalMs);
    expect(waits.length).toBeGreaterThan(3);
  });

  it("waits at least the server's retry-after, plus bounded jitter", () => {
    const schedule = new RetrySchedule(policy, 0, () => 0.5);
    const wait = schedule.next(0, 3000) as number;
    expect(wait).toBeGreaterThanOrEqual(3000);
    expect(wait).toBeLessThan(4000);
  });

  it("gives up at once when retry-after is beyond the bound", () => {
    const schedule = new RetrySchedule(policy, 0, () => 0);
    expect(schedule.next(0, 60_000)).toBeUndefined();
  });
});

describe("rate-limit headers", () => {
  it("parses OpenAI durations", () => {
    expect(parseDurationMs("1s")).toBe(1000);
    expect(parseDurationMs("6m0s")).toBe(360_000);
    expect(parseDurationMs("20ms")).toBe(20);
    expect(parseDurationMs("1m30.5s")).toBe(90_500);
    expect(parseDurationMs("2")).toBe(2000);
    expect(parseDurationMs("soon")).toBeUndefined();
  });

  it("prefers retry-after-ms, accepts retry-after seconds or a date", () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(parseRateLimitHeaders(h({ "retry-after-ms": "250", "retry-after": "9" })).retryAfterMs).toBe(250);
    expect(parseRateLimitHeaders(h({ "retry-after": "2" })).retryAfterMs).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(
      parseRateLimitHeaders(h({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now).retryAfterMs,
    ).toBe(5000);
    expect(
      parseRateLimitHeaders(
        h({
          "x-ratelimit-remaining-requests": "0",
          "x-ratelimit-reset-requests": "1.5s",
          "x-ratelimit-remaining-tokens": "1200",
          "x-ratelimit-reset-tokens": "300ms",
        }),
      ),
    ).toEqual({ remainingRequests: 0, resetRequestsMs: 1500, remainingTokens: 1200, resetTokensMs: 300 });
  });
});
