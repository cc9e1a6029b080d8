import type { Expr, JobSpecInput, Query, WindowSpec } from "@sluice/flink-jobs";
import {
  col as c,
  DOUBLE,
  devicesTable,
  deviceValue,
  lit as l,
  overRows,
  physical,
  readings,
  STRING,
  selectFrom as sel,
  sinkTable,
  TIMESTAMP3,
  temporalJoinQuery,
  unnestQuery,
} from "./fixtures.ts";

/**
 * Specs that exercise every node kind the compiler emits, for checking that
 * Flink itself accepts the SQL (EXPLAIN through the SQL Gateway). Each entry is
 * one small job, so a rejection points at one construct.
 */

const call = (fn: string, ...args: Expr[]): Expr => ({ kind: "call", fn, args }) as Expr;
const agg = (fn: string, arg?: Expr): Expr => ({ kind: "aggregate", fn, arg }) as Expr;
const hour = { value: 1, unit: "HOUR" } as const;

const tables: JobSpecInput["tables"] = [
  {
    name: "readings",
    columns: [
      physical("device_id", STRING),
      physical("ts", TIMESTAMP3),
      physical("temperature", DOUBLE),
      physical("epoch_ms", { kind: "BIGINT" }),
      physical("tags", { kind: "ARRAY", element: STRING }),
      {
        kind: "physical",
        name: "attrs",
        type: { kind: "MAP", key: { kind: "STRING" }, value: { kind: "STRING" } },
      },
      {
        kind: "physical",
        name: "pos",
        type: {
          kind: "ROW",
          fields: [
            { name: "x", type: { kind: "DOUBLE" } },
            { name: "y", type: { kind: "DOUBLE" } },
          ],
        },
      },
      { kind: "physical", name: "price", type: { kind: "DECIMAL", precision: 10, scale: 2 } },
      { kind: "computed", name: "proc", expression: call("PROCTIME") },
      { kind: "computed", name: "event_ltz", expression: call("TO_TIMESTAMP_LTZ", c("epoch_ms"), l(3)) },
      {
        kind: "metadata",
        name: "kafka_ts",
        type: { kind: "TIMESTAMP_LTZ", precision: 3 },
        key: "timestamp",
        virtual: true,
      },
      { kind: "metadata", name: "part", type: { kind: "INT" }, key: "partition", virtual: true },
    ],
    watermark: { column: "ts", delay: { value: 5, unit: "SECOND" } },
    connector: {
      kind: "kafka",
      topic: "readings",
      format: { kind: "json", ignoreParseErrors: true },
      startupMode: "latest-offset",
    },
  },
  devicesTable,
  {
    name: "generated",
    columns: [physical("device_id", STRING), physical("temperature", DOUBLE)],
    connector: { kind: "datagen", rowsPerSecond: 1, properties: { "fields.device_id.length": 4 } },
  },
  {
    name: "csv_in",
    columns: [physical("device_id", STRING), physical("temperature", DOUBLE)],
    connector: {
      kind: "filesystem",
      path: "file:///tmp/sluice-acceptance-in",
      format: { kind: "csv", fieldDelimiter: ";" },
    },
  },
  sinkTable("out", { kind: "print", printIdentifier: "acceptance" }),
  sinkTable("out_file", {
    kind: "filesystem",
    path: "file:///tmp/sluice-acceptance-out",
    format: { kind: "json" },
  }),
  sinkTable(
    "out_upsert",
    { kind: "upsert-kafka", topic: "out_upsert", keyFormat: { kind: "raw" }, valueFormat: { kind: "json" } },
    { primaryKey: ["device_id"] },
  ),
  sinkTable("out_null", { kind: "blackhole" }),
];
const windowAgg = (window: WindowSpec): Query =>
  sel(
    { kind: "window", table: "readings", timeColumn: "ts", window },
    [{ expr: c("device_id") }, { expr: agg("AVG", c("temperature")), as: "value" }],
    { groupBy: [c("window_start"), c("window_end"), c("device_id")] },
  );

/** name -> query inserted into `out` (or a named sink). */
export const acceptanceQueries: [string, Query, string?][] = [
  [
    "expressions",
    sel(
      readings,
      [
        {
          expr: {
            kind: "case",
            whens: [
              {
                when: { kind: "like", operand: c("device_id"), pattern: "it''s%" },
                result: call("UPPER", call("TRIM", c("device_id"))),
              },
            ],
            else: call(
              "CONCAT",
              call("LOWER", c("device_id")),
              l("-"),
              call("DATE_FORMAT", c("ts"), l("yyyy-MM-dd HH:mm")),
            ),
          },
          as: "device_id",
        },
        {
          expr: {
            kind: "arithmetic",
            op: "+",
            left: call("POWER", call("ABS", c("temperature")), l(2)),
            right: {
              kind: "arithmetic",
              op: "*",
              left: call("SQRT", {
                kind: "cast",
                operand: call("CHAR_LENGTH", c("device_id")),
                to: { kind: "DOUBLE" },
              }),
              right: call("FLOOR", call("CEIL", call("ROUND", c("temperature"), l(1)))),
            },
          },
          as: "value",
        },
      ],
      {
        where: {
          kind: "logical",
          op: "AND",
          operands: [
            { kind: "in", operand: c("device_id"), values: [l("a"), l("b'c")], negated: true },
            { kind: "between", operand: c("temperature"), low: l(-10.5), high: l(1e3) },
            { kind: "isNull", operand: c("price"), negated: true },
            {
              kind: "not",
              operand: {
                kind: "compare",
                op: "<",
                left: { kind: "timestampAdd", unit: "HOUR", amount: l(1), operand: c("ts") },
                right: {
                  kind: "arithmetic",
                  op: "-",
                  left: c("ts"),
                  right: { kind: "interval", value: 1, unit: "DAY" },
                },
              },
            },
            { kind: "compare", op: ">", left: call("CARDINALITY", c("tags")), right: l(0) },
            { kind: "compare", op: "<>", left: call("COALESCE", c("device_id"), l("x")), right: l("y") },
            { kind: "compare", op: ">=", left: c("kafka_ts"), right: call("TO_TIMESTAMP_LTZ", l(0), l(3)) },
            { kind: "compare", op: "<=", left: call("MOD", c("part"), l(2)), right: l(1) },
            {
              kind: "compare",
              op: "=",
              left: call("SUBSTR", c("device_id"), l(1), l(2)),
              right: call("REPLACE", c("device_id"), l("a"), l("b")),
            },
            { kind: "compare", op: ">", left: call("LN", call("EXP", l(1))), right: l(0) },
            {
              kind: "compare",
              op: ">",
              left: c("event_ltz"),
              right: {
                kind: "cast",
                operand: l("2024-01-01 00:00:00"),
                to: { kind: "TIMESTAMP_LTZ", precision: 3 },
                try: true,
              },
            },
            {
              kind: "compare",
              op: "<",
              left: call("TO_TIMESTAMP", l("2024-01-01 00:00:00")),
              right: call("CURRENT_TIMESTAMP"),
            },
          ],
        },
      },
    ),
  ],
  ["tumble", windowAgg({ kind: "tumble", size: hour })],
  ["hop", windowAgg({ kind: "hop", slide: { value: 10, unit: "MINUTE" }, size: hour })],
  ["cumulate", windowAgg({ kind: "cumulate", step: { value: 10, unit: "MINUTE" }, size: hour })],
  ["session", windowAgg({ kind: "session", gap: { value: 10, unit: "MINUTE" }, partitionBy: ["device_id"] })],
  [
    "over rows (stddev)",
    sel(readings, [
      { expr: c("device_id") },
      {
        expr: {
          kind: "arithmetic",
          op: "/",
          left: {
            kind: "arithmetic",
            op: "-",
            left: c("temperature"),
            right: overRows("AVG", c("temperature"), c("ts"), 9, [c("device_id")]),
          },
          right: overRows("STDDEV_SAMP", c("temperature"), c("ts"), 9, [c("device_id")]),
        },
        as: "value",
      },
    ]),
  ],
  [
    "over range",
    sel(readings, [
      { expr: c("device_id") },
      {
        expr: {
          kind: "over",
          fn: "SUM",
          arg: c("temperature"),
          partitionBy: [c("device_id")],
          orderBy: c("ts"),
          frame: { kind: "range", preceding: hour },
        },
        as: "value",
      },
    ]),
  ],
  [
    "over proctime unbounded",
    sel(readings, [
      { expr: c("device_id") },
      {
        expr: {
          kind: "over",
          fn: "MAX",
          arg: c("temperature"),
          partitionBy: [],
          orderBy: c("proc"),
          frame: { kind: "range", preceding: "UNBOUNDED" },
        },
        as: "value",
      },
    ]),
  ],
  [
    "group by + having (updating -> upsert sink)",
    sel(readings, [{ expr: c("device_id") }, { expr: agg("VAR_POP", c("temperature")), as: "value" }], {
      groupBy: [c("device_id")],
      having: {
        kind: "compare",
        op: ">",
        left: { kind: "aggregate", fn: "COUNT", arg: c("device_id"), distinct: true },
        right: l(1),
      },
    }),
    "out_upsert",
  ],
  [
    "interval join",
    sel(
      {
        kind: "join",
        join: "INNER",
        left: { kind: "table", name: "readings", as: "a" },
        right: { kind: "table", name: "readings", as: "b" },
        on: {
          kind: "logical",
          op: "AND",
          operands: [
            { kind: "compare", op: "=", left: c("device_id", "a"), right: c("device_id", "b") },
            {
              kind: "between",
              operand: c("ts", "b"),
              low: {
                kind: "arithmetic",
                op: "-",
                left: c("ts", "a"),
                right: { kind: "interval", value: 1, unit: "MINUTE" },
              },
              high: c("ts", "a"),
            },
          ],
        },
      },
      [{ expr: c("device_id", "a") }, { expr: c("temperature", "b"), as: "value" }],
    ),
  ],
  [
    "regular left join (updating -> upsert sink)",
    sel(
      {
        kind: "join",
        join: "LEFT",
        left: { kind: "table", name: "generated", as: "g" },
        right: { kind: "table", name: "csv_in", as: "f" },
        on: { kind: "compare", op: "=", left: c("device_id", "g"), right: c("device_id", "f") },
      },
      [{ expr: c("device_id", "g") }, { expr: c("temperature", "f"), as: "value" }],
    ),
    "out_upsert",
  ],
  ["temporal join", temporalJoinQuery()],
  ["unnest", unnestQuery()],
  [
    "subquery + distinct",
    sel(
      {
        kind: "subquery",
        as: "s",
        query: sel(readings, deviceValue, {
          distinct: true,
        }),
      },
      [{ expr: c("device_id") }, { expr: c("value") }],
    ),
    "out_upsert",
  ],
  [
    "top-N",
    {
      kind: "topN",
      from: {
        kind: "subquery",
        as: "s",
        query: sel(readings, deviceValue),
      },
      partitionBy: [c("device_id")],
      orderBy: [{ expr: c("value"), direction: "DESC" }],
      limit: 3,
    },
    "out_upsert",
  ],
  [
    "deduplication on event time",
    {
      kind: "topN",
      from: {
        kind: "subquery",
        as: "s",
        query: sel(readings, [...deviceValue, { expr: c("ts") }]),
      },
      partitionBy: [c("device_id")],
      orderBy: [{ expr: c("ts") }],
      limit: 1,
    },
    "dedup_out",
  ],
  [
    "raw select",
    {
      kind: "raw",
      parts: [
        "SELECT ",
        { kind: "columnRef", name: "device_id" },
        ", CAST(MAX(temperature) AS DOUBLE) AS `value`\nFROM ",
        { kind: "tableRef", name: "generated" },
        "\nGROUP BY device_id",
      ],
    },
    "out_upsert",
  ],
  ["filesystem in and out", sel({ kind: "table", name: "csv_in" }, [...deviceValue]), "out_file"],
  ["blackhole", sel({ kind: "table", name: "generated" }, [...deviceValue]), "out_null"],
];

/** One job per acceptance query. */
export function acceptanceSpec(name: string, query: Query, sink = "out"): JobSpecInput {
  const extra: JobSpecInput["tables"] =
    sink === "dedup_out"
      ? [
          {
            name: "dedup_out",
            columns: [physical("device_id", STRING), physical("value", DOUBLE), physical("ts", TIMESTAMP3)],
            connector: { kind: "print" },
          },
        ]
      : [];
  return {
    name: `acceptance-${name.replace(/[^a-z0-9]+/g, "-").replace(/-+$/, "")}`,
    kafka: { bootstrapServers: "127.0.0.1:9092" },
    config: { "table.exec.mini-batch.enabled": false, "table.exec.state.ttl": "1 h" },
    tables: [...(tables ?? []), ...extra],
    inserts: [{ into: sink, query }],
  };
}
