import { describe, expect, it } from "vitest";
import { themesTask as task } from "../test/fixtures.ts";
import { deadLetterRecord, enrichedRecord, parseReview } from "./records.ts";

const raw = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
const input = { topic: "in", partition: 2, offset: "41", key: Buffer.from("k1"), value: raw({ id: 1 }) };

describe("parseReview", () => {
  it("reads the id (string or number) and the text", () => {
    expect(parseReview(raw({ id: "a", review_text: "Great" }), task)).toMatchObject({
      kind: "review",
      id: "a",
      text: "Great",
    });
    expect(parseReview(raw({ id: 7, review_text: "Great" }), task)).toMatchObject({ id: "7" });
  });

  it.each([
    [null, "malformed_json"],
    ["", "malformed_json"],
    ["{not json", "malformed_json"],
    ["[1,2]", "malformed_json"],
    ['"just a string"', "malformed_json"],
    [{ review_text: "x" }, "missing_id"],
    [{ id: "  ", review_text: "x" }, "missing_id"],
    [{ id: true, review_text: "x" }, "missing_id"],
    [{ id: "a" }, "missing_text"],
    [{ id: "a", review_text: " \n " }, "missing_text"],
    [{ id: "a", review_text: 42 }, "missing_text"],
  ])("dead-letters %j as %s", (value, code) => {
    const buffer = value === null ? null : raw(value);
    expect(parseReview(buffer, task)).toMatchObject({ kind: "malformed", code });
  });
});

describe("output records", () => {
  it("keeps the input object and key and adds the output field", () => {
    const out = enrichedRecord(task, input, { id: 1, review_text: "t", rating: 5 }, ["price"]);
    expect(out.topic).toBe("out");
    expect(out.key).toEqual(Buffer.from("k1"));
    expect(JSON.parse(out.value ?? "")).toEqual({ id: 1, review_text: "t", rating: 5, themes: ["price"] });
  });

  it("puts the reason and the origin in dead-letter headers", () => {
    const out = deadLetterRecord(task, input, "missing_text", "field missing");
    expect(out).toEqual({
      topic: "dlq",
      key: Buffer.from("k1"),
      value: '{"id":1}',
      headers: {
        "sluice-error-code": "missing_text",
        "sluice-error-message": "field missing",
        "sluice-task-id": task.id,
        "sluice-source-topic": "in",
        "sluice-source-partition": "2",
        "sluice-source-offset": "41",
      },
    });
  });
});

describe("bySize", () => {
  it("splits output records into produce requests under a byte budget", async () => {
    const { bySize } = await import("./kafka/index.ts");
    const records = Array.from({ length: 10 }, (_, i) => ({
      topic: "t",
      key: `k${i}`,
      value: "x".repeat(1000),
    }));
    const parts = bySize(records, 3500);
    expect(parts.map((p) => p.length)).toEqual([3, 3, 3, 1]);
    expect(parts.flat()).toEqual(records);
    expect(bySize([{ topic: "t", key: null, value: "x".repeat(10_000) }], 100)).toHaveLength(1);
  });
});
