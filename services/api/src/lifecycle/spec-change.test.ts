import { describe, expect, it } from "vitest";
import type { JobSpecLike } from "../compiler/port.ts";
import { classifySpecChange, type SpecChange } from "./spec-change.ts";

const tables: Array<Record<string, unknown>> = [
  { name: "orders", description: "raw orders", columns: [{ name: "id", type: "BIGINT" }] },
  { name: "totals", columns: [{ name: "n", type: "BIGINT" }] },
];
const base = {
  name: "orders",
  description: "orders per minute",
  version: 1,
  tables,
  views: [{ name: "recent", description: "last hour", query: { from: "orders" } }],
  inserts: [{ into: "totals", query: { from: "recent" } }],
} as JobSpecLike;
const spec = (patch: Record<string, unknown>) => ({ ...base, ...patch }) as JobSpecLike;

const cases: Array<[string, JobSpecLike, { stateless?: boolean }, SpecChange]> = [
  ["the same spec", spec({}), {}, { kind: "ignore", changed: [] }],
  [
    "the parallelism: a savepoint upgrade (Flink rescales keyed state from the savepoint)",
    spec({ parallelism: 2 }),
    {},
    { kind: "savepoint-upgrade", changed: ["parallelism"] },
  ],
  [
    "the checkpoint interval",
    spec({ checkpoints: { interval: "30 s" } }),
    {},
    { kind: "savepoint-upgrade", changed: ["checkpoints"] },
  ],
  ["only the API-assigned version differs", spec({ version: 2 }), {}, { kind: "ignore", changed: [] }],
  ["an undefined member is no member", spec({ kafka: undefined }), {}, { kind: "ignore", changed: [] }],
  [
    "the job's description",
    spec({ description: "orders per hour" }),
    {},
    { kind: "metadata", changed: ["description"] },
  ],
  [
    "a description removed",
    spec({ description: undefined }),
    { stateless: true },
    { kind: "metadata", changed: ["description"] },
  ],
  [
    "a table's and a view's description",
    spec({
      tables: [{ ...tables[0], description: "orders as sent" }, tables[1]],
      views: [{ name: "recent", query: { from: "orders" } }],
    }),
    {},
    { kind: "metadata", changed: ["tables[0].description", "views[0].description"] },
  ],
  [
    "per-job flow thresholds set: no restart (they reach no SQL)",
    spec({ flow: { noOutputMs: 10_000 } }),
    {},
    { kind: "metadata", changed: ["flow"] },
  ],
  [
    "flow thresholds and a description changed, even with stateless asked",
    spec({ description: "x", flow: { maxLagRecords: 5 } }),
    { stateless: true },
    { kind: "metadata", changed: ["description", "flow"] },
  ],
  [
    "flow thresholds and the SQL: a savepoint upgrade",
    spec({ flow: { noOutputMs: 10_000 }, inserts: [] }),
    {},
    { kind: "savepoint-upgrade", changed: ["flow", "inserts"] },
  ],
  [
    "a column",
    spec({ tables: [{ ...tables[0], columns: [{ name: "id", type: "INT" }] }, tables[1]] }),
    {},
    { kind: "savepoint-upgrade", changed: ["tables[0].columns"] },
  ],
  [
    "a description and the SQL",
    spec({ description: "x", inserts: [] }),
    {},
    { kind: "savepoint-upgrade", changed: ["description", "inserts"] },
  ],
  [
    "a table added",
    spec({ tables: [...tables, { name: "extra", columns: [] }] }),
    {},
    { kind: "savepoint-upgrade", changed: ["tables"] },
  ],
  [
    "the SQL, without state when asked",
    spec({ inserts: [] }),
    { stateless: true },
    { kind: "stateless-restart", changed: ["inserts"] },
  ],
];

describe("classifySpecChange", () => {
  it.each(cases)("%s", (_label, next, options, expected) => {
    expect(classifySpecChange(base, next, options)).toEqual(expected);
  });
});
