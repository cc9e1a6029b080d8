import type { Expr, From, JobSpecInput, Query } from "@sluice/flink-jobs";

/** Small spec fixtures for golden-SQL and validation tests. */

export const col = (name: string, table?: string): Expr =>
  table === undefined ? { kind: "column", name } : { kind: "column", name, table };
export const lit = (value: string | number | boolean | null): Expr => ({ kind: "literal", value });

/** `readings` (watermarked, with a processing-time column), `devices` (versioned), `jdbc_devices`, sinks. */
export function baseSpec(overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    name: "golden",
    kafka: { bootstrapServers: "kafka:9092" },
    tables: [
      {
        name: "readings",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "physical", name: "ts", type: { kind: "TIMESTAMP", precision: 3 } },
          { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
          { kind: "physical", name: "tags", type: { kind: "ARRAY", element: { kind: "STRING" } } },
          { kind: "computed", name: "proc", expression: { kind: "call", fn: "PROCTIME", args: [] } },
        ],
        watermark: { column: "ts", delay: { value: 5, unit: "SECOND" } },
        connector: { kind: "kafka", topic: "readings", format: { kind: "json" } },
      },
      {
        name: "devices",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "physical", name: "site", type: { kind: "STRING" } },
          { kind: "physical", name: "updated_at", type: { kind: "TIMESTAMP", precision: 3 } },
        ],
        primaryKey: ["device_id"],
        watermark: { column: "updated_at", delay: { value: 0, unit: "SECOND" } },
        connector: {
          kind: "upsert-kafka",
          topic: "devices",
          keyFormat: { kind: "json" },
          valueFormat: { kind: "json" },
        },
      },
      {
        name: "out",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "physical", name: "value", type: { kind: "DOUBLE" } },
        ],
        connector: { kind: "blackhole" },
      },
    ],
    inserts: [],
    ...overrides,
  };
}

/** A spec with one insert of `query` into `out` (device_id STRING, value DOUBLE). */
export function withInsert(query: Query, overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return baseSpec({ inserts: [{ into: "out", query }], ...overrides });
}

export const selectFrom = (
  from: From,
  select: { expr: Expr; as?: string }[],
  extra: Partial<Query> = {},
): Query => ({ kind: "select", from, select, ...extra }) as Query;
