import { describe, expect, it } from "vitest";
import { recordSchema } from "./record-schema.ts";
import type { TableSpec } from "./spec.ts";

const columns: TableSpec["columns"] = [
  { kind: "physical", name: "id", type: { kind: "BIGINT", nullable: false } },
  { kind: "physical", name: "ts", type: { kind: "TIMESTAMP", precision: 3 } },
  { kind: "physical", name: "themes", type: { kind: "ARRAY", element: { kind: "STRING" } } },
  { kind: "physical", name: "pos", type: { kind: "ROW", fields: [{ name: "x", type: { kind: "DOUBLE" } }] } },
  { kind: "computed", name: "proc", expression: { kind: "call", fn: "PROCTIME", args: [] } },
];

describe("recordSchema", () => {
  const schema = recordSchema({ columns });
  it("accepts what Flink's JSON format writes", () => {
    expect(
      schema.safeParse({ id: 1, ts: "2024-01-01 12:00:00.123", themes: ["battery"], pos: { x: 1.5 } })
        .success,
    ).toBe(true);
    expect(schema.safeParse({ id: 1, ts: null, themes: null, pos: null }).success).toBe(true);
  });
  it("rejects records of the wrong shape", () => {
    expect(schema.safeParse({ id: "1" }).success).toBe(false);
    expect(schema.safeParse({ id: 1.5 }).success).toBe(false);
    expect(schema.safeParse({ id: null }).success).toBe(false);
    expect(schema.safeParse({ id: 1, ts: "yesterday" }).success).toBe(false);
    expect(schema.safeParse({ id: 1, themes: [1] }).success).toBe(false);
  });
  it("ignores computed and metadata columns", () => {
    expect(Object.keys(schema.shape)).toEqual(["id", "ts", "themes", "pos"]);
  });
  it("reads a typed time's field in its format", () => {
    const timed = (format: "epoch-millis" | "iso-8601" | "sql") =>
      recordSchema({ columns: [{ kind: "time", name: "event_time", field: "timestamp", format }] });
    expect(timed("epoch-millis").safeParse({ timestamp: 1700000000000 }).success).toBe(true);
    expect(timed("epoch-millis").safeParse({ timestamp: "2023-11-14 22:13:20" }).success).toBe(false);
    expect(timed("iso-8601").safeParse({ timestamp: "2023-11-14T22:13:20.125Z" }).success).toBe(true);
    expect(timed("iso-8601").safeParse({ timestamp: "2023-11-15T00:13:20+02:00" }).success).toBe(false);
    expect(timed("sql").safeParse({ timestamp: "2023-11-14 22:13:20.5" }).success).toBe(true);
    expect(timed("sql").safeParse({ timestamp: 1700000000 }).success).toBe(false);
  });
});
