import { describe, expect, it } from "vitest";
import {
  baseSpec,
  col,
  deviceValue,
  lit,
  overRows,
  readings,
  selectFrom,
  withInsert,
} from "../test/fixtures.ts";
import { compileJob } from "./compile.ts";
import { FlinkJobsError, SpecValidationError } from "./errors.ts";
import type { Expr } from "./expressions.ts";
import {
  type SchemaProblemCode,
  SEMANTIC_PROBLEM_CODES,
  type SemanticProblemCode,
  type SpecPath,
} from "./problems.ts";
import type { From, Query } from "./query.ts";
import type { JobSpec, JobSpecInput } from "./spec.ts";
import { validateJob } from "./validate.ts";

const q = (select: { expr: Expr; as?: string }[], extra: Partial<Query> = {}, from: From = readings) =>
  selectFrom(from, select, extra);
const tumble = (timeColumn = "ts", table = "readings"): From => ({
  kind: "window",
  table,
  timeColumn,
  window: { kind: "tumble", size: { value: 1, unit: "HOUR" } },
});
const stringTable = (name: string, connector: unknown, extra: Record<string, unknown> = {}) =>
  ({
    name,
    columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
    connector,
    ...extra,
  }) as never;
const withTables = (...tables: unknown[]) =>
  baseSpec({
    tables: [...(baseSpec().tables ?? []), ...(tables as never[])],
    inserts: [{ into: "out", query: q(deviceValue) }],
  });

/** A spec declaring one view `name` over `readings`. */
const withView = (name: string) =>
  baseSpec({ views: [{ name, query: q(deviceValue) }], inserts: [{ into: "out", query: q(deviceValue) }] });
/** A spec with an inner temporal join of `readings` with `right` as of `asOf`. */
const temporalJoinOf = (right: string, asOf: Expr, overrides: Partial<JobSpecInput> = {}) =>
  withInsert(
    q(
      [{ expr: col("device_id", "readings") }, { expr: col("temperature"), as: "value" }],
      {},
      { kind: "temporalJoin", join: "INNER", left: readings, right, asOf, on: lit(true) },
    ),
    overrides,
  );
/** A spec whose insert filters on `device_id = right`. */
const whereDevice = (right: Expr) =>
  withInsert(q(deviceValue, { where: { kind: "compare", op: "=", left: col("device_id"), right } }));

/** An EWMA detector model `name` over `input`, ordered by `time`, scoring `value`. */
const ewmaOf = (name: string, input: string, time: string, value: string) => ({
  name,
  input,
  time,
  function: { kind: "ewmaZScore", value } as const,
});
const withModels = (...models: ReturnType<typeof ewmaOf>[]) => withInsert(q(deviceValue), { models });

type Case = { path: SpecPath; spec: unknown };
/** The one case of a code. */
const one = (path: SpecPath, spec: unknown): Case[] => [{ path, spec }];

/**
 * One case (or more) per code Sluice's own checks report, each with its JSON
 * path. A code added to `SEMANTIC_PROBLEM_CODES` fails to compile here until
 * it has a case.
 */
const semanticCases: Record<SemanticProblemCode, Case[]> = {
  MODEL_COLUMN_NOT_NUMERIC: one(
    ["models", 0, "function", "value"],
    withModels(ewmaOf("m", "readings", "ts", "device_id")),
  ),
  MODEL_NEEDS_APPEND_ONLY: one(
    ["models", 0, "input"],
    withModels(ewmaOf("m", "devices", "updated_at", "site")),
  ),
  MODEL_OUTPUT_CONFLICT: one(
    ["models", 1, "input"],
    withModels(ewmaOf("m1", "readings", "ts", "temperature"), ewmaOf("m2", "m1", "ts", "temperature")),
  ),
  IDENTIFIER_BACKTICK: one(["views", 0, "name"], withView("a`b")),
  IDENTIFIER_CONTROL_CHARACTER: one(["views", 0, "name"], withView("a\nb")),
  IDENTIFIER_WHITESPACE: one(["views", 0, "name"], withView(" a")),
  LITERAL_CONTROL_CHARACTER: one(
    ["inserts", 0, "query", "where", "right", "value"],
    whereDevice(lit("a\u0000")),
  ),
  TOO_DEEP: one(
    ["inserts", 0, "query", "where", ...Array<string>(96).fill("operand")],
    withInsert(
      q(deviceValue, {
        where: Array.from({ length: 120 }).reduce<Expr>((e) => ({ kind: "not", operand: e }), lit(true)),
      }),
    ),
  ),
  NO_INSERTS: one(["inserts"], baseSpec()),
  DUPLICATE_NAME: one(["views", 0, "name"], withView("readings")),
  RESERVED_TEXT: one(
    ["inserts", 0, "query", "where", "right", "value"],
    whereDevice(lit("${secret:KAFKA_JAAS}")),
  ),
  CONFIG_KEY_RESERVED: one(
    ["config", "pipeline.name"],
    withInsert(q(deviceValue), { config: { "pipeline.name": "x" } }),
  ),
  CONFIG_CONFLICT: one(
    ["config", "execution.checkpointing.mode"],
    withInsert(q(deviceValue), {
      checkpoints: false,
      config: { "execution.checkpointing.mode": "AT_LEAST_ONCE" },
    }),
  ),
  CONFIG_KEY_NOT_ALLOWED: one(
    ["config", "state.backend.type"],
    withInsert(q(deviceValue), { config: { "state.backend.type": "rocksdb" } }),
  ),
  CONFIG_VALUE_INVALID: one(
    ["config", "execution.checkpointing.interval"],
    withInsert(q(deviceValue), { config: { "execution.checkpointing.interval": "soon" } }),
  ),
  DUPLICATE_COLUMN: one(
    ["tables", 3, "columns", 1, "name"],
    withTables({
      name: "dup",
      columns: [
        { kind: "physical", name: "k", type: { kind: "INT" } },
        { kind: "physical", name: "k", type: { kind: "INT" } },
      ],
      connector: { kind: "blackhole" },
    }),
  ),
  UNKNOWN_COLUMN: [
    {
      path: ["tables", 3, "primaryKey", 0],
      spec: withTables(stringTable("pk", { kind: "print" }, { primaryKey: ["nope"] })),
    },
    {
      path: ["inserts", 0, "query", "select", 1, "expr", "name"],
      spec: withInsert(q([{ expr: col("device_id") }, { expr: col("temp"), as: "value" }])),
    },
  ],
  PRIMARY_KEY_NOT_PHYSICAL: one(
    ["tables", 3, "primaryKey", 0],
    withTables({
      name: "pk",
      columns: [
        { kind: "physical", name: "k", type: { kind: "STRING" } },
        { kind: "computed", name: "p", expression: { kind: "call", fn: "PROCTIME", args: [] } },
      ],
      primaryKey: ["p"],
      connector: { kind: "print" },
    }),
  ),
  WATERMARK_NOT_TIMESTAMP: one(
    ["tables", 3, "watermark", "column"],
    withTables(
      stringTable(
        "wm",
        { kind: "datagen" },
        { watermark: { column: "k", delay: { value: 1, unit: "SECOND" } } },
      ),
    ),
  ),
  METADATA_KEY_UNKNOWN: one(
    ["tables", 3, "columns", 1, "key"],
    withTables({
      name: "m",
      columns: [
        { kind: "physical", name: "k", type: { kind: "STRING" } },
        { kind: "metadata", name: "ts", type: { kind: "TIMESTAMP_LTZ", precision: 3 }, key: "rowtime" },
      ],
      connector: { kind: "kafka", topic: "x", format: { kind: "json" } },
    }),
  ),
  PROPERTY_NOT_ALLOWED: one(
    ["tables", 3, "connector", "properties", "properties.bootstrap.servers"],
    withTables(
      stringTable("p", {
        kind: "kafka",
        topic: "x",
        format: { kind: "json" },
        properties: { "properties.bootstrap.servers": "evil:9092" },
      }),
    ),
  ),
  ERROR_POLICY_FORMAT: one(
    ["tables", 3, "connector", "errorPolicy"],
    withTables(stringTable("a", { kind: "kafka", topic: "x", format: { kind: "raw" }, errorPolicy: "skip" })),
  ),
  ERROR_POLICY_CONFLICT: [
    {
      path: ["tables", 3, "connector", "format", "ignoreParseErrors"],
      spec: withTables(
        stringTable("a", {
          kind: "kafka",
          topic: "x",
          format: { kind: "json", ignoreParseErrors: true },
          errorPolicy: "fail",
        }),
      ),
    },
    {
      path: ["tables", 3, "connector", "deadLetterTopic"],
      spec: withTables(
        stringTable("a", {
          kind: "kafka",
          topic: "x",
          format: { kind: "json" },
          errorPolicy: "skip",
          deadLetterTopic: "d",
        }),
      ),
    },
  ],
  FORMAT_NOT_AVAILABLE: one(
    ["tables", 3, "connector", "format", "kind"],
    withTables(stringTable("a", { kind: "kafka", topic: "x", format: { kind: "avro" } })),
  ),
  PRIMARY_KEY_REQUIRED: one(
    ["tables", 3, "primaryKey"],
    withTables(
      stringTable("u", {
        kind: "upsert-kafka",
        topic: "x",
        keyFormat: { kind: "json" },
        valueFormat: { kind: "json" },
      }),
    ),
  ),
  MISSING_BOOTSTRAP_SERVERS: one(["tables", 0, "connector", "bootstrapServers"], {
    ...withInsert(q(deviceValue)),
    kafka: undefined,
  }),
  INVALID_KEY_FIELD: one(
    ["tables", 3, "connector", "key", "fields", 0],
    withTables({
      name: "kf",
      columns: [{ kind: "physical", name: "a;b", type: { kind: "STRING" } }],
      connector: {
        kind: "kafka",
        topic: "x",
        format: { kind: "json" },
        key: { format: { kind: "json" }, fields: ["a;b"] },
      },
    }),
  ),
  UNKNOWN_TABLE: one(
    ["inserts", 0, "query", "from", "name"],
    withInsert(q(deviceValue, {}, { kind: "table", name: "readingz" })),
  ),
  NOT_A_TABLE: one(
    ["inserts", 1, "into"],
    baseSpec({
      views: [{ name: "v", query: q(deviceValue) }],
      inserts: [
        { into: "out", query: q(deviceValue) },
        { into: "v", query: q(deviceValue) },
      ],
    }),
  ),
  NOT_WRITABLE: one(
    ["inserts", 1, "into"],
    baseSpec({
      tables: [...(baseSpec().tables ?? []), stringTable("gen", { kind: "datagen" })],
      inserts: [
        { into: "out", query: q(deviceValue) },
        { into: "gen", query: q([{ expr: col("device_id") }]) },
      ],
    }),
  ),
  NOT_READABLE: one(
    ["inserts", 0, "query", "from", "name"],
    withInsert(q([{ expr: col("device_id") }, { expr: col("value") }], {}, { kind: "table", name: "out" })),
  ),
  SINK_COLUMN_COUNT: one(["inserts", 0, "query"], withInsert(q([{ expr: col("device_id") }]))),
  SINK_TYPE_MISMATCH: one(
    ["inserts", 0, "query", "select", 1],
    withInsert(q([{ expr: col("device_id") }, { expr: col("ts"), as: "value" }])),
  ),
  SINK_NEEDS_APPEND_ONLY: one(
    ["inserts", 0, "query"],
    baseSpec({
      tables: [
        ...(baseSpec().tables ?? []).slice(0, 2),
        {
          name: "out",
          columns: [
            { kind: "physical", name: "device_id", type: { kind: "STRING" } },
            { kind: "physical", name: "value", type: { kind: "DOUBLE" } },
          ],
          connector: { kind: "kafka", topic: "o", format: { kind: "json" } },
        },
      ],
      inserts: [
        {
          into: "out",
          query: q(
            [
              { expr: col("device_id") },
              { expr: { kind: "aggregate", fn: "MAX", arg: col("temperature") }, as: "value" },
            ],
            { groupBy: [col("device_id")] },
          ),
        },
      ],
    }),
  ),
  SINK_NEEDS_PRIMARY_KEY: one(
    ["inserts", 0, "query"],
    baseSpec({
      tables: [
        ...(baseSpec().tables ?? []).slice(0, 2),
        {
          name: "out",
          columns: [
            { kind: "physical", name: "device_id", type: { kind: "STRING" } },
            { kind: "physical", name: "value", type: { kind: "DOUBLE" } },
          ],
          connector: { kind: "jdbc", url: "jdbc:postgresql://db/x", tableName: "out" },
        },
      ],
      inserts: [
        {
          into: "out",
          query: q(
            [
              { expr: col("device_id") },
              { expr: { kind: "aggregate", fn: "MAX", arg: col("temperature") }, as: "value" },
            ],
            { groupBy: [col("device_id")] },
          ),
        },
      ],
    }),
  ),
  LOOKUP_CACHE_NEVER_EXPIRES: one(
    ["tables", 3, "connector", "lookupCache"],
    withTables(
      stringTable("dim", {
        kind: "jdbc",
        url: "jdbc:postgresql://db/x",
        tableName: "dim",
        lookupCache: { maxRows: 100 },
      }),
    ),
  ),
  AMBIGUOUS_COLUMN: one(
    ["inserts", 0, "query", "select", 0, "expr", "name"],
    withInsert(
      q(
        [{ expr: col("device_id") }, { expr: col("temperature"), as: "value" }],
        {},
        {
          kind: "join",
          join: "INNER",
          left: readings,
          right: { kind: "table", name: "devices" },
          on: lit(true),
        },
      ),
    ),
  ),
  DUPLICATE_ALIAS: one(
    ["inserts", 0, "query", "from"],
    withInsert(
      q(
        [{ expr: col("device_id", "readings") }, { expr: col("temperature", "readings"), as: "value" }],
        {},
        { kind: "join", join: "INNER", left: readings, right: readings, on: lit(true) },
      ),
    ),
  ),
  MISSING_ALIAS: one(
    ["inserts", 0, "query", "select", 1, "as"],
    withInsert(
      q([{ expr: col("device_id") }, { expr: { kind: "call", fn: "ABS", args: [col("temperature")] } }]),
    ),
  ),
  TYPE_MISMATCH: one(
    ["inserts", 0, "query", "where"],
    withInsert(
      q(deviceValue, { where: { kind: "compare", op: ">", left: col("device_id"), right: lit(100) } }),
    ),
  ),
  NUMBER_TOO_LARGE: one(
    ["inserts", 0, "query", "where", "right"],
    withInsert(
      q(deviceValue, {
        where: { kind: "compare", op: ">", left: col("temperature"), right: lit(2 ** 60) },
      }),
    ),
  ),
  WRONG_ARGUMENT_COUNT: one(
    ["inserts", 0, "query", "select", 1, "expr", "args"],
    withInsert(
      q([
        { expr: col("device_id") },
        { expr: { kind: "call", fn: "POWER", args: [col("temperature")] }, as: "value" },
      ]),
    ),
  ),
  MISSING_ARGUMENT: one(
    ["inserts", 0, "query", "select", 1, "expr"],
    withInsert(
      q([{ expr: col("device_id") }, { expr: { kind: "aggregate", fn: "SUM" }, as: "value" }], {
        groupBy: [col("device_id")],
      }),
    ),
  ),
  AGGREGATE_NOT_ALLOWED: one(
    ["inserts", 0, "query", "where", "left"],
    withInsert(
      q(deviceValue, {
        where: { kind: "compare", op: ">", left: { kind: "aggregate", fn: "COUNT" }, right: lit(1) },
      }),
    ),
  ),
  NOT_GROUPED: one(
    ["inserts", 0, "query", "select", 1, "expr"],
    withInsert(
      q([{ expr: col("device_id") }, { expr: col("temperature"), as: "value" }], {
        groupBy: [col("device_id")],
      }),
    ),
  ),
  HAVING_WITHOUT_GROUP_BY: [
    { path: ["inserts", 0, "query", "having"], spec: withInsert(q(deviceValue, { having: lit(true) })) },
  ],
  OVER_NOT_ALLOWED: one(
    ["inserts", 0, "query", "where", "left"],
    withInsert(
      q(deviceValue, {
        where: {
          kind: "compare",
          op: ">",
          left: overRows("AVG", col("temperature"), col("ts"), 5),
          right: lit(1),
        },
      }),
    ),
  ),
  OVER_ORDER_NOT_TIME_ATTRIBUTE: one(
    ["inserts", 0, "query", "select", 1, "expr", "orderBy"],
    withInsert(
      q([
        { expr: col("device_id") },
        {
          expr: overRows("AVG", col("temperature"), col("temperature"), 5),
          as: "value",
        },
      ]),
    ),
  ),
  OVER_WINDOW_MISMATCH: one(
    ["views", 0, "query", "select", 2, "expr"],
    baseSpec({
      views: [
        {
          name: "v",
          query: q([
            { expr: col("device_id") },
            {
              expr: overRows("AVG", col("temperature"), col("ts"), 5),
              as: "a",
            },
            {
              expr: overRows("MAX", col("temperature"), col("ts"), 9),
              as: "b",
            },
          ]),
        },
      ],
      inserts: [{ into: "out", query: q(deviceValue) }],
    }),
  ),
  WINDOW_NOT_TIME_ATTRIBUTE: one(
    ["inserts", 0, "query", "from", "timeColumn"],
    withInsert(
      q(
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "SUM", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("window_start"), col("window_end"), col("device_id")] },
        tumble("updated_at", "devices2"),
      ),
      {
        tables: [
          ...(baseSpec().tables ?? []),
          {
            name: "devices2",
            columns: [
              { kind: "physical", name: "device_id", type: { kind: "STRING" } },
              { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
              { kind: "physical", name: "updated_at", type: { kind: "TIMESTAMP", precision: 3 } },
            ],
            connector: { kind: "datagen" },
          },
        ],
      },
    ),
  ),
  WINDOW_GROUP_BY: one(
    ["inserts", 0, "query", "groupBy"],
    withInsert(
      q(
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "SUM", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("device_id")] },
        tumble(),
      ),
    ),
  ),
  WINDOW_SIZE_NOT_MULTIPLE: one(
    ["inserts", 0, "query", "from", "window", "size"],
    withInsert(
      q(
        deviceValue,
        {},
        {
          kind: "window",
          table: "readings",
          timeColumn: "ts",
          window: { kind: "hop", slide: { value: 7, unit: "MINUTE" }, size: { value: 1, unit: "HOUR" } },
        },
      ),
    ),
  ),
  TEMPORAL_JOIN_TIME: one(
    ["inserts", 0, "query", "from", "asOf"],
    temporalJoinOf("devices", col("temperature")),
  ),
  TIME_FIELD_IS_NAME: one(
    ["tables", 3, "columns", 0, "field"],
    withTables({
      name: "readings_ms",
      columns: [{ kind: "time", name: "timestamp", field: "timestamp", format: "epoch-millis" }],
      connector: { kind: "blackhole" },
    }),
  ),
  TEMPORAL_JOIN_NOT_VERSIONED: one(
    ["inserts", 0, "query", "from", "right"],
    temporalJoinOf("plain", col("ts"), {
      tables: [...(baseSpec().tables ?? []), stringTable("plain", { kind: "datagen" })],
    }),
  ),
  LOOKUP_NOT_SUPPORTED: one(["inserts", 0, "query", "from", "right"], temporalJoinOf("devices", col("proc"))),
  UNNEST_NOT_ARRAY: one(
    ["inserts", 0, "query", "from", "array"],
    withInsert(
      q(
        [
          { expr: col("tag"), as: "device_id" },
          { expr: col("temperature"), as: "value" },
        ],
        {},
        { kind: "unnest", from: readings, array: col("device_id"), as: "t", columns: ["tag"] },
      ),
    ),
  ),
  UNNEST_COLUMN_COUNT: one(
    ["inserts", 0, "query", "from", "columns"],
    withInsert(
      q(
        [
          { expr: col("tag"), as: "device_id" },
          { expr: col("temperature"), as: "value" },
        ],
        {},
        { kind: "unnest", from: readings, array: col("tags"), as: "t", columns: ["tag", "extra"] },
      ),
    ),
  ),
  VIEW_CYCLE: one(
    ["views", 0, "query"],
    baseSpec({
      views: [{ name: "v", query: q([{ expr: col("device_id") }], {}, { kind: "table", name: "v" }) }],
      inserts: [{ into: "out", query: q(deviceValue) }],
    }),
  ),
  UNKNOWN_COLUMNS: one(
    ["inserts", 0, "query", "from"],
    withInsert({
      kind: "topN",
      from: {
        kind: "subquery",
        as: "s",
        query: { kind: "raw", parts: ["SELECT 1 AS x FROM ", { kind: "tableRef", name: "readings" }] },
      },
      partitionBy: [],
      orderBy: [{ expr: col("x") }],
      limit: 2,
    }),
  ),
  RAW_NOT_SINGLE_SELECT: [
    {
      path: ["inserts", 0, "query", "parts", 0],
      spec: withInsert({ kind: "raw", parts: ["INSERT INTO x SELECT 1"] }),
    },
    {
      path: ["inserts", 0, "query", "parts", 2],
      spec: withInsert({
        kind: "raw",
        parts: ["SELECT * FROM ", { kind: "tableRef", name: "readings" }, "; DROP TABLE x"],
      }),
    },
  ],
  RAW_UNDECLARED_TABLE: one(
    ["inserts", 0, "query", "parts", 0],
    withInsert({ kind: "raw", parts: ["SELECT * FROM secret_table"] }),
  ),
  RAW_COMMENT: one(
    ["inserts", 0, "query", "parts", 2],
    withInsert({
      kind: "raw",
      parts: ["SELECT * FROM ", { kind: "tableRef", name: "readings" }, " -- "],
    }),
  ),
  RAW_SYNTAX: one(
    ["inserts", 0, "query", "parts", 0],
    withInsert({
      kind: "raw",
      parts: ["SELECT 'open FROM ", { kind: "tableRef", name: "readings" }, "'"],
    }),
  ),
  TOPIC_CONFLICT: one(
    ["enrichments", 0, "outputTopic"],
    baseSpec({
      enrichments: [
        {
          name: "e",
          input: "readings",
          idField: "device_id",
          textField: "device_id",
          task: { kind: "themes" },
          model: "m",
          requestTopic: "same",
          outputTopic: "same",
        },
      ],
    }),
  ),
};

/** Schema (zod) problems the spec schema can produce, with their JSON paths. */
const schemaCases: Partial<Record<SchemaProblemCode, Case[]>> = {
  INVALID_TYPE: one(
    ["tables", 0, "columns", 0, "name"],
    baseSpec({
      tables: [
        {
          ...(baseSpec().tables?.[0] as object),
          columns: [{ kind: "physical", name: 42, type: { kind: "STRING" } }],
        } as never,
      ],
    }),
  ),
  INVALID_FORMAT: one(["name"], { ...baseSpec(), name: "Not A Slug" }),
  UNRECOGNIZED_KEYS: one(
    ["inserts", 0],
    baseSpec({ inserts: [{ into: "out", query: q(deviceValue), extra: 1 } as never] }),
  ),
  INVALID_UNION: one(
    ["inserts", 0, "query", "select", 0, "expr", "kind"],
    withInsert(q([{ expr: { kind: "regex" } as never }])),
  ),
  TOO_SMALL: one(["inserts", 0, "query", "select"], withInsert(q([]))),
};

const cases = [...Object.entries(semanticCases), ...Object.entries(schemaCases)].flatMap(([code, list]) =>
  (list ?? []).map((c): [string, SpecPath, unknown] => [code, c.path, c.spec]),
);

describe("validateJob: one case per problem code, each with its JSON path", () => {
  it.each(cases)("%s", (code, path, spec) => {
    const result = validateJob(spec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.problems.find((p) => p.code === code);
    expect(match, JSON.stringify(result.problems, null, 1)).toBeDefined();
    expect(match?.path).toEqual(path);
    expect(match?.message.length).toBeGreaterThan(10);
  });

  it("covers every semantic problem code", () => {
    expect(Object.keys(semanticCases).sort()).toEqual([...SEMANTIC_PROBLEM_CODES].sort());
  });

  it("accepts a valid spec and applies defaults", () => {
    const result = validateJob(withInsert(q(deviceValue)));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.spec.enrichments).toEqual([]);
  });

  it("reports several problems at once", () => {
    const result = validateJob(withInsert(q([{ expr: col("nope") }]), { config: { "pipeline.name": "x" } }));
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual([
      "CONFIG_KEY_RESERVED",
      "UNKNOWN_COLUMN",
      "SINK_COLUMN_COUNT",
    ]);
  });

  it("gives data-scientist-readable messages", () => {
    const result = validateJob(
      withInsert(
        q(deviceValue, { where: { kind: "compare", op: ">", left: col("device_id"), right: lit(100) } }),
      ),
    );
    expect(result.ok ? "" : result.problems[0]?.message).toBe("`>`: cannot compare STRING with INT");
    const unknown = validateJob(
      withInsert(q([{ expr: col("device_id") }, { expr: col("temp"), as: "value" }])),
    );
    expect(unknown.ok ? "" : unknown.problems[0]?.message).toBe(
      "no column `temp`; available: device_id, ts, temperature, tags, proc",
    );
  });
});

describe("compileJob on an invalid spec", () => {
  it("throws SpecValidationError with the problems", () => {
    let caught: unknown;
    try {
      compileJob(withInsert(q([{ expr: col("nope") }])) as JobSpec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecValidationError);
    const error = caught as SpecValidationError;
    expect(error.code).toBe("INVALID_SPEC");
    // One error root for the package: the API recognises it with instanceof, not by its shape.
    expect(error).toBeInstanceOf(FlinkJobsError);
    expect([error.status, error.retryable]).toEqual([422, false]);
    expect(error.problems.map((p) => p.code)).toEqual(["UNKNOWN_COLUMN", "SINK_COLUMN_COUNT"]);
    expect(error.message).toBe(
      "invalid job spec: inserts[0].query.select[0].expr.name: no column `nope`; available: device_id, ts, temperature, tags, proc (and 1 more problem(s))",
    );
  });
  it("rejects non-objects without throwing anything else", () => {
    for (const input of [null, 42, "x", [], { name: "a" }] as unknown[]) {
      expect(() => compileJob(input as JobSpec)).toThrow(SpecValidationError);
    }
  });
});

void ({} as JobSpecInput);
