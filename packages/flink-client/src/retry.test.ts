import { describe, expect, it } from "vitest";
import { instantEnvironment } from "../test/fake-flink.ts";
import { FlinkClientError, type FlinkClientErrorCode } from "./errors.ts";
import { backoffDelay, type RetryPolicy, shouldRetry, withRetry } from "./retry.ts";

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, totalTimeoutMs: 10_000 };

function failing(code: FlinkClientErrorCode, options: { status?: number; notSent?: boolean } = {}) {
  let calls = 0;
  return {
    calls: () => calls,
    attempt: async (): Promise<string> => {
      calls++;
      throw new FlinkClientError(code, code, options);
    },
  };
}

describe("withRetry", () => {
  it("retries retryable failures up to maxAttempts and records the attempts", async () => {
    const { env, sleeps } = instantEnvironment();
    const op = failing("FLINK_UNREACHABLE", { notSent: true });
    const error = await withRetry(op.attempt, policy, { idempotent: true, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkClientError);
    expect((error as FlinkClientError).attempts).toBe(4);
    expect(op.calls()).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it("returns as soon as an attempt succeeds", async () => {
    const { env } = instantEnvironment();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new FlinkClientError("FLINK_UNAVAILABLE", "503", { status: 503 });
        return "ok";
      },
      policy,
      { idempotent: true, env },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it.each([
    ["SQL_ERROR", 500],
    ["JOB_NOT_FOUND", 404],
    ["REQUEST_REJECTED", 400],
    ["OPERATION_FAILED", 500],
    ["BAD_RESPONSE", 200],
  ] as const)("does not retry %s", async (code, status) => {
    const { env } = instantEnvironment();
    const op = failing(code, { status });
    await expect(withRetry(op.attempt, policy, { idempotent: true, env })).rejects.toMatchObject({ code });
    expect(op.calls()).toBe(1);
  });

  it("does not retry errors that are not the client's", async () => {
    const { env } = instantEnvironment();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TypeError("bug");
        },
        policy,
        { idempotent: true, env },
      ),
    ).rejects.toThrow("bug");
    expect(calls).toBe(1);
  });

  it("stops before the total time bound", async () => {
    const { env, sleeps } = instantEnvironment(1);
    const op = failing("FLINK_TIMEOUT");
    const tight: RetryPolicy = {
      maxAttempts: 100,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      totalTimeoutMs: 2_500,
    };
    await expect(withRetry(op.attempt, tight, { idempotent: true, env })).rejects.toMatchObject({
      code: "FLINK_TIMEOUT",
    });
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2_500);
    expect(op.calls()).toBeGreaterThan(1);
    expect(op.calls()).toBeLessThan(100);
  });
});

describe("shouldRetry", () => {
  it("retries a non-idempotent request only when Flink certainly did not process it", () => {
    const refused = new FlinkClientError("FLINK_UNREACHABLE", "refused", { notSent: true });
    const reset = new FlinkClientError("FLINK_UNREACHABLE", "reset");
    const timeout = new FlinkClientError("FLINK_TIMEOUT", "slow");
    const unavailable = new FlinkClientError("FLINK_UNAVAILABLE", "503", { status: 503 });
    const badGateway = new FlinkClientError("FLINK_UNAVAILABLE", "502", { status: 502 });
    expect([refused, reset, timeout, unavailable, badGateway].map((e) => shouldRetry(e, false))).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
    expect([refused, reset, timeout, unavailable, badGateway].every((e) => shouldRetry(e, true))).toBe(true);
  });
});

describe("backoffDelay", () => {
  it("draws uniformly from [0, ceiling] (full jitter); the ceiling doubles up to the cap", () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0.25)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 10, () => 0)).toBe(0);
  });
});
