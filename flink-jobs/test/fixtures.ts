import type { Expr, From, JobSpecInput, Query, SqlType } from "@sluice/flink-jobs";

/** Small spec fixtures for golden-SQL, validation and acceptance tests. */

export const col = (name: string, table?: string): Expr =>
  table === undefined ? { kind: "column", name } : { kind: "column", name, table };
export const lit = (value: string | number | boolean | null): Expr => ({ kind: "literal", value });

type TableInput = NonNullable<JobSpecInput["tables"]>[number];
type ConnectorInput = TableInput["connector"];

export const STRING = { kind: "STRING" } as const satisfies SqlType;
export const DOUBLE = { kind: "DOUBLE" } as const satisfies SqlType;
export const TIMESTAMP3 = { kind: "TIMESTAMP", precision: 3 } as const satisfies SqlType;

/** A physical column. */
export const physical = (name: string, type: SqlType) => ({ kind: "physical", name, type }) as const;

/** `device_id STRING, value DOUBLE`: the columns of the test sinks. */
export const deviceValueColumns = [physical("device_id", STRING), physical("value", DOUBLE)];

/** A sink of `device_id STRING, value DOUBLE`. */
export const sinkTable = (
  name: string,
  connector: ConnectorInput,
  extra: Partial<TableInput> = {},
): TableInput => ({
  name,
  columns: deviceValueColumns,
  connector,
  ...extra,
});

/** `devices`: a versioned table (upsert-kafka, primary key, watermark) for temporal joins. */
export const devicesTable: TableInput = {
  name: "devices",
  columns: [physical("device_id", STRING), physical("site", STRING), physical("updated_at", TIMESTAMP3)],
  primaryKey: ["device_id"],
  watermark: { column: "updated_at", delay: { value: 0, unit: "SECOND" } },
  connector: {
    kind: "upsert-kafka",
    topic: "devices",
    keyFormat: { kind: "json" },
    valueFormat: { kind: "json" },
  },
};

/** `fn(arg) OVER (PARTITION BY ... ORDER BY orderBy ROWS BETWEEN preceding PRECEDING AND CURRENT ROW)`. */
export const overRows = (
  fn: string,
  arg: Expr,
  orderBy: Expr,
  preceding: number,
  partitionBy: Expr[] = [],
): Expr => ({ kind: "over", fn, arg, partitionBy, orderBy, frame: { kind: "rows", preceding } }) as Expr;

/** The `readings` table of {@link baseSpec}. */
export const readings: From = { kind: "table", name: "readings" };
/** `SELECT device_id, temperature AS value`. */
export const deviceValue = [{ expr: col("device_id") }, { expr: col("temperature"), as: "value" }];

/** `readings` (watermarked, with a processing-time column), `devices` (versioned), `jdbc_devices`, sinks. */
export function baseSpec(overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    name: "golden",
    kafka: { bootstrapServers: "kafka:9092" },
    tables: [
      {
        name: "readings",
        columns: [
          physical("device_id", STRING),
          physical("ts", TIMESTAMP3),
          physical("temperature", DOUBLE),
          physical("tags", { kind: "ARRAY", element: STRING }),
          { kind: "computed", name: "proc", expression: { kind: "call", fn: "PROCTIME", args: [] } },
        ],
        watermark: { column: "ts", delay: { value: 5, unit: "SECOND" } },
        // `fail`: the table compiles as declared, so the query goldens show only the query;
        // the dead-letter split has its own goldens (dead-letters.test.ts).
        connector: { kind: "kafka", topic: "readings", format: { kind: "json" }, errorPolicy: "fail" },
      },
      devicesTable,
      sinkTable("out", { kind: "blackhole" }),
    ],
    inserts: [],
    ...overrides,
  };
}

/** A spec with one insert of `query` into `out` (device_id STRING, value DOUBLE). */
export function withInsert(query: Query, overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return baseSpec({ inserts: [{ into: "out", query }], ...overrides });
}

/** `readings` LEFT JOIN the versioned `devices` FOR SYSTEM_TIME AS OF `r.ts` (golden and acceptance tests). */
export const temporalJoinQuery = (): Query =>
  selectFrom(
    {
      kind: "temporalJoin",
      join: "LEFT",
      left: { kind: "table", name: "readings", as: "r" },
      right: "devices",
      rightAs: "d",
      asOf: col("ts", "r"),
      on: { kind: "compare", op: "=", left: col("device_id", "r"), right: col("device_id", "d") },
    },
    [
      { expr: col("site", "d"), as: "device_id" },
      { expr: col("temperature", "r"), as: "value" },
    ],
  );

/** `readings` CROSS JOIN UNNEST(`tags`), lower-cased tags as `device_id`. */
export const unnestQuery = (): Query =>
  selectFrom({ kind: "unnest", from: readings, array: col("tags"), as: "t", columns: ["tag"] }, [
    { expr: { kind: "call", fn: "LOWER", args: [col("tag", "t")] }, as: "device_id" },
    { expr: col("temperature"), as: "value" },
  ]);

export const selectFrom = (
  from: From,
  select: { expr: Expr; as?: string }[],
  extra: Partial<Query> = {},
): Query => ({ kind: "select", from, select, ...extra }) as Query;
