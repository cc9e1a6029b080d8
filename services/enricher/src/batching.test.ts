import { describe, expect, it } from "vitest";
import {
  estimateTokens,
  planBatches,
  REQUEST_OVERHEAD_TOKENS,
  recordTokens,
  requestTokens,
  splitInHalves,
} from "./batching.ts";

const record = (id: number, chars = 40) => ({ id: String(id), text: "x".repeat(chars) });

describe("planBatches", () => {
  it("cuts by record count", () => {
    const records = Array.from({ length: 45 }, (_, i) => record(i));
    const batches = planBatches(records, { maxRecords: 20, maxTokens: 1_000_000 });
    expect(batches.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(batches.flat()).toEqual(records);
  });

  it("cuts by estimated tokens and keeps every batch under the limit", () => {
    const records = Array.from({ length: 30 }, (_, i) => record(i, 400));
    const maxTokens = REQUEST_OVERHEAD_TOKENS + 5 * recordTokens(record(0, 400));
    const batches = planBatches(records, { maxRecords: 100, maxTokens });
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 5, 5]);
    for (const b of batches) expect(requestTokens(b)).toBeLessThanOrEqual(maxTokens);
  });

  it("gives a record larger than the token limit a request of its own", () => {
    const records = [record(1), record(2, 100_000), record(3)];
    const batches = planBatches(records, { maxRecords: 10, maxTokens: 1000 });
    expect(batches.map((b) => b.map((r) => r.id))).toEqual([["1"], ["2"], ["3"]]);
  });

  it("returns no batch for no records", () => {
    expect(planBatches([], { maxRecords: 10, maxTokens: 1000 })).toEqual([]);
  });
});

describe("estimateTokens", () => {
  it("counts JSON escaping", () => {
    expect(estimateTokens('"'.repeat(40))).toBeGreaterThan(estimateTokens("a".repeat(40)));
  });
});

describe("splitInHalves", () => {
  it("splits an odd batch with the extra record first", () => {
    expect(splitInHalves([1, 2, 3])).toEqual([[1, 2], [3]]);
    expect(splitInHalves([1, 2])).toEqual([[1], [2]]);
  });
});
