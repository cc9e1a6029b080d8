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
});
