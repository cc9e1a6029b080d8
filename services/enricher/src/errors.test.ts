import { describe, expect, it } from "vitest";
import {
  ChunkNotCommittedError,
  ConfigError,
  EnricherError,
  ModelCallError,
  ModelUnavailableError,
  UnsupportedTaskError,
} from "./errors.ts";

describe("the enricher's error family", () => {
  it("has one root with a code and whether retrying can help", () => {
    const call = new ModelCallError("server_error", "model answered HTTP 500", { status: 500 });
    const cases: [EnricherError, string, boolean][] = [
      [new ConfigError(["X: bad"]), "config_invalid", false],
      [new UnsupportedTaskError("no custom tasks"), "unsupported_task", false],
      [call, "server_error", true],
      [new ModelCallError("rejected", "too long", { status: 400 }), "rejected", false],
      [new ModelUnavailableError(call), "model_unavailable", true],
      [new ChunkNotCommittedError(new Error("boom"), false), "chunk_not_committed", true],
    ];
    for (const [error, code, retryable] of cases) {
      expect(error).toBeInstanceOf(EnricherError);
      expect([error.name, error.code, error.retryable]).toEqual([error.constructor.name, code, retryable]);
    }
    expect(new ModelUnavailableError(call).cause).toBe(call);
  });

  it("hides the cause of an uncommitted chunk from kafkajs, which would stop the consumer for it", () => {
    const fenced = Object.assign(new Error("epoch is old"), { type: "INVALID_PRODUCER_EPOCH" });
    const error = new ChunkNotCommittedError(fenced, true);
    expect(error.cause).toBeUndefined();
    expect(error.retriable).toBe(true);
    expect(error.fenced).toBe(true);
    expect(error.message).toBe("chunk not committed: INVALID_PRODUCER_EPOCH: epoch is old");
  });
});
