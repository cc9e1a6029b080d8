import { describe, expect, it } from "vitest";
import { formatDuration, RateLimiter } from "./rate-limit.ts";

describe("formatDuration", () => {
  it("formats like OpenAI's x-ratelimit-reset-* values", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(12)).toBe("12ms");
    expect(formatDuration(1000)).toBe("1s");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(59_983)).toBe("59.983s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(61_200)).toBe("1m1.2s");
    expect(formatDuration(3_723_500)).toBe("1h2m3.5s");
  });
});

describe("RateLimiter", () => {
  it("admits up to the RPM burst, then refills continuously", () => {
    const limiter = new RateLimiter({ rpm: 60, tpm: 0 }, 0);
    for (let i = 0; i < 60; i++) expect(limiter.admit(10, 0).admitted).toBe(true);
    const rejected = limiter.admit(10, 0);
    expect(rejected).toMatchObject({ admitted: false, kind: "requests", retryAfterMs: 1000 });
    expect(limiter.admit(10, 999).admitted).toBe(false);
    expect(limiter.admit(10, 1000).admitted).toBe(true);
  });

  it("rejects on tokens and says how long to wait", () => {
    const limiter = new RateLimiter({ rpm: 0, tpm: 600 }, 0);
    expect(limiter.admit(500, 0).admitted).toBe(true);
    const rejected = limiter.admit(200, 0);
    expect(rejected).toMatchObject({ admitted: false, kind: "tokens", retryAfterMs: 10_000 });
    expect(limiter.admit(200, 10_000).admitted).toBe(true);
    // Larger than the whole limit: never admitted.
    expect(limiter.admit(601, 120_000)).toMatchObject({ admitted: false, kind: "tokens" });
  });

  it("reports limit, remaining and time to full refill, and nothing for unlimited dimensions", () => {
    const limiter = new RateLimiter({ rpm: 600, tpm: 150_000 }, 0);
    limiter.admit(1500, 0);
    expect(limiter.headers(0)).toEqual({
      "x-ratelimit-limit-requests": "600",
      "x-ratelimit-remaining-requests": "599",
      "x-ratelimit-reset-requests": "100ms",
      "x-ratelimit-limit-tokens": "150000",
      "x-ratelimit-remaining-tokens": "148500",
      "x-ratelimit-reset-tokens": "600ms",
    });
    expect(new RateLimiter({ rpm: 0, tpm: 0 }, 0).headers(0)).toEqual({});
  });
});
