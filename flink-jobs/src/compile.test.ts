import { describe, expect, it } from "vitest";
import {
  baseSpec,
  col,
  deviceValue,
  lit,
  readings,
  selectFrom,
  temporalJoinQuery,
  unnestQuery,
  withInsert,
} from "../test/fixtures.ts";
import { compileJob } from "./compile.ts";
import type { Query } from "./query.ts";
import type { JobSpec, JobSpecInput } from "./spec.ts";

const compile = (spec: JobSpecInput) => compileJob(spec as JobSpec);

/** The INSERT statements inside the statement set. */
function insertsOf(spec: JobSpecInput): string[] {
  const set = compile(spec).statements.at(-1)?.sql ?? "";
  expect(set.startsWith("EXECUTE STATEMENT SET\nBEGIN\n")).toBe(true);
  expect(set.endsWith(";\nEND")).toBe(true);
  return set
    .slice("EXECUTE STATEMENT SET\nBEGIN\n".length, -"\nEND".length)
    .split(";\n")
    .map((s) => s.replace(/;$/, ""));
}
const insertOf = (query: Query, overrides: Partial<JobSpecInput> = {}) =>
  insertsOf(withInsert(query, overrides))[0];

describe("compileJob: statements and their order", () => {
  it("emits SETs, CREATE TABLEs, CREATE VIEWs, then one statement set", () => {
    const job = compile(
      baseSpec({
        config: { "parallelism.default": 2, "table.exec.mini-batch.enabled": true },
        views: [{ name: "hot", query: selectFrom({ kind: "table", name: "readings" }, deviceValue) }],
        inserts: [
          {
            into: "out",
            query: selectFrom({ kind: "table", name: "hot" }, [
              { expr: col("device_id") },
              { expr: col("value") },
            ]),
          },
          { into: "out", query: selectFrom({ kind: "table", name: "readings" }, deviceValue) },
        ],
      }),
    );
    expect(job.statements.map((s) => s.kind)).toEqual([
      "set",
      "set",
      "create-table",
      "create-table",
      "create-table",
      "create-view",
      "statement-set",
    ]);
    expect(job.statements[0]?.sql).toBe("SET 'parallelism.default' = '2'");
    expect(job.statements[1]?.sql).toBe("SET 'table.exec.mini-batch.enabled' = 'true'");
    expect(job.statements[5]?.sql).toBe(
      "CREATE TEMPORARY VIEW `hot` AS SELECT `device_id`, `temperature` AS `value` FROM `readings`",
    );
    expect(job.statements[6]?.sql).toBe(
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `out` SELECT `device_id`, `value` FROM `hot`;\nINSERT INTO `out` SELECT `device_id`, `temperature` AS `value` FROM `readings`;\nEND",
    );
    for (const s of job.statements.slice(0, -1)) expect(s.sql.endsWith(";")).toBe(false);
  });

  it("orders views so each follows the views it reads", () => {
    const job = compile(
      baseSpec({
        views: [
          {
            name: "b",
            query: selectFrom({ kind: "table", name: "a" }, [
              { expr: col("device_id") },
              { expr: col("value") },
            ]),
          },
          { name: "a", query: selectFrom({ kind: "table", name: "readings" }, deviceValue) },
        ],
        inserts: [
          {
            into: "out",
            query: selectFrom({ kind: "table", name: "b" }, [
              { expr: col("device_id") },
              { expr: col("value") },
            ]),
          },
        ],
      }),
    );
    expect(job.statements.filter((s) => s.kind === "create-view").map((s) => s.sql.split(" AS ")[0])).toEqual(
      ["CREATE TEMPORARY VIEW `a`", "CREATE TEMPORARY VIEW `b`"],
    );
  });

  it("renders every column kind, primary key and watermark", () => {
    const job = compile({
      name: "columns",
      kafka: { bootstrapServers: "kafka:9092" },
      tables: [
        {
          name: "events",
          columns: [
            { kind: "physical", name: "id", type: { kind: "BIGINT", nullable: false } },
            {
              kind: "physical",
              name: "payload",
              type: {
                kind: "ROW",
                fields: [
                  { name: "a", type: { kind: "INT" } },
                  {
                    name: "b c",
                    type: {
                      kind: "MAP",
                      key: { kind: "STRING" },
                      value: { kind: "DECIMAL", precision: 10, scale: 2 },
                    },
                  },
                ],
              },
            },
            { kind: "physical", name: "epoch_ms", type: { kind: "BIGINT" } },
            {
              kind: "computed",
              name: "ts",
              expression: { kind: "call", fn: "TO_TIMESTAMP_LTZ", args: [col("epoch_ms"), lit(3)] },
            },
            {
              kind: "metadata",
              name: "kafka_ts",
              type: { kind: "TIMESTAMP_LTZ", precision: 3 },
              key: "timestamp",
              virtual: true,
            },
            { kind: "metadata", name: "partition", type: { kind: "INT" }, virtual: true },
          ],
          primaryKey: ["id"],
          watermark: { column: "ts", delay: { value: 2, unit: "MINUTE" } },
          connector: {
            kind: "kafka",
            topic: "events",
            format: { kind: "json" },
            key: { format: { kind: "json" }, fields: ["id"] },
            errorPolicy: "fail",
          },
        },
        {
          name: "sink",
          columns: [{ kind: "physical", name: "id", type: { kind: "BIGINT" } }],
          connector: { kind: "print" },
        },
      ],
      inserts: [
        { into: "sink", query: selectFrom({ kind: "table", name: "events" }, [{ expr: col("id") }]) },
      ],
    });
    expect(job.statements[0]?.sql).toBe(
      [
        "CREATE TEMPORARY TABLE `events` (",
        "  `id` BIGINT NOT NULL,",
        "  `payload` ROW<`a` INT, `b c` MAP<STRING, DECIMAL(10, 2)>>,",
        "  `epoch_ms` BIGINT,",
        "  `ts` AS TO_TIMESTAMP_LTZ(`epoch_ms`, 3),",
        "  `kafka_ts` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,",
        "  `partition` INT METADATA VIRTUAL,",
        "  PRIMARY KEY (`id`) NOT ENFORCED,",
        "  WATERMARK FOR `ts` AS `ts` - INTERVAL '2' MINUTE",
        ") WITH (",
        "  'connector' = 'kafka',",
        "  'topic' = 'events',",
        "  'properties.bootstrap.servers' = 'kafka:9092',",
        "  'properties.group.id' = 'sluice.columns.events',",
        "  'key.format' = 'json',",
        "  'key.fields' = 'id',",
        "  'value.format' = 'json',",
        "  'value.fields-include' = 'ALL'",
        ")",
      ].join("\n"),
    );
  });
});

describe("compileJob: one golden per connector", () => {
  // Every table needs a readable source for the insert; datagen_src is declared here.
  const withSource = (connector: unknown, extra: Record<string, unknown> = {}) => {
    const spec = {
      name: "connectors",
      kafka: { bootstrapServers: "kafka:9092", properties: { "properties.security.protocol": "SASL_SSL" } },
      tables: [
        {
          name: "t",
          columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
          connector,
          ...extra,
        },
        {
          name: "datagen_src",
          columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
          connector: {
            kind: "datagen",
            rowsPerSecond: 5,
            numberOfRows: 10,
            properties: { "fields.k.length": 8 },
          },
        },
        {
          name: "sink",
          columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
          connector: { kind: "blackhole" },
        },
      ],
      inserts: [
        { into: "sink", query: selectFrom({ kind: "table", name: "datagen_src" }, [{ expr: col("k") }]) },
      ],
    };
    const sql = compile(spec as JobSpecInput).statements[0]?.sql ?? "";
    return sql
      .slice(sql.indexOf("WITH (\n") + "WITH (\n".length, -2)
      .split(",\n")
      .map((l) => l.trim());
  };

  it("kafka", () => {
    expect(
      withSource({
        kind: "kafka",
        topic: "in",
        groupId: "g1",
        startupMode: { timestampMillis: 1700000000000 },
        format: { kind: "csv", fieldDelimiter: ";", ignoreParseErrors: true },
        properties: {
          "properties.sasl.jaas.config": { secret: "KAFKA_JAAS" },
          "scan.topic-partition-discovery.interval": "10 s",
        },
      }),
    ).toEqual([
      "'connector' = 'kafka'",
      "'topic' = 'in'",
      "'properties.bootstrap.servers' = 'kafka:9092'",
      "'properties.group.id' = 'g1'",
      "'scan.startup.mode' = 'timestamp'",
      "'scan.startup.timestamp-millis' = '1700000000000'",
      "'format' = 'csv'",
      "'csv.field-delimiter' = ';'",
      "'csv.ignore-parse-errors' = 'true'",
      "'properties.security.protocol' = 'SASL_SSL'",
      "'properties.sasl.jaas.config' = '${secret:KAFKA_JAAS}'",
      "'scan.topic-partition-discovery.interval' = '10 s'",
    ]);
  });
  it("kafka sink, exactly-once (transactional ids unique per job, table and topic)", () => {
    const options = withSource({
      kind: "kafka",
      topic: "out",
      format: { kind: "json" },
      deliveryGuarantee: "exactly-once",
      errorPolicy: "fail",
    });
    expect(options.slice(4)).toEqual([
      "'format' = 'json'",
      "'sink.delivery-guarantee' = 'exactly-once'",
      "'sink.transactional-id-prefix' = 'sluice.connectors.t.out'",
      "'properties.transaction.timeout.ms' = '900000'",
      "'properties.security.protocol' = 'SASL_SSL'",
    ]);
    expect(
      withSource({
        kind: "kafka",
        topic: "out",
        format: { kind: "json" },
        deliveryGuarantee: "exactly-once",
        transactionalIdPrefix: "billing-tx",
        properties: { "properties.transaction.timeout.ms": 3_600_000 },
      }).slice(5),
    ).toEqual([
      "'sink.delivery-guarantee' = 'exactly-once'",
      "'sink.transactional-id-prefix' = 'billing-tx'",
      "'properties.transaction.timeout.ms' = '3600000'",
      "'properties.security.protocol' = 'SASL_SSL'",
    ]);
  });
  it("upsert-kafka", () => {
    expect(
      withSource(
        {
          kind: "upsert-kafka",
          topic: "u",
          bootstrapServers: "b1:9092,b2:9092",
          keyFormat: { kind: "raw" },
          valueFormat: { kind: "json", timestampFormat: "ISO-8601", decimalAsPlainNumber: true },
        },
        { primaryKey: ["k"] },
      ),
    ).toEqual([
      "'connector' = 'upsert-kafka'",
      "'topic' = 'u'",
      "'properties.bootstrap.servers' = 'b1:9092,b2:9092'",
      "'key.format' = 'raw'",
      "'value.format' = 'json'",
      "'value.json.timestamp-format.standard' = 'ISO-8601'",
      "'value.json.encode.decimal-as-plain-number' = 'true'",
      "'properties.security.protocol' = 'SASL_SSL'",
    ]);
  });
  it("filesystem", () => {
    expect(
      withSource({
        kind: "filesystem",
        path: "file:///tmp/it's",
        format: { kind: "json" },
        properties: { "sink.rolling-policy.file-size": "1MB" },
      }),
    ).toEqual([
      "'connector' = 'filesystem'",
      "'path' = 'file:///tmp/it''s'",
      "'format' = 'json'",
      "'sink.rolling-policy.file-size' = '1MB'",
    ]);
  });
  it("jdbc (password only as a secret)", () => {
    expect(
      withSource({
        kind: "jdbc",
        url: "jdbc:postgresql://db:5432/shop",
        tableName: "devices",
        username: "flink",
        password: { secret: "DB_PASSWORD" },
        properties: { "lookup.cache": "PARTIAL" },
      }),
    ).toEqual([
      "'connector' = 'sluice-jdbc'",
      "'url' = 'jdbc:postgresql://db:5432/shop'",
      "'table-name' = 'devices'",
      "'username' = 'flink'",
      "'password' = '${secret:DB_PASSWORD}'",
      "'lookup.cache' = 'PARTIAL'",
    ]);
  });
  it("jdbc with a lookup cache and sink batching", () => {
    expect(
      withSource({
        kind: "jdbc",
        url: "jdbc:postgresql://db:5432/shop",
        tableName: "products",
        lookupCache: { maxRows: 1000, expireAfterWrite: "2 s", cacheMissingKey: false },
        sinkBuffer: { maxRows: 500, interval: "1 s", maxRetries: 5 },
      }),
    ).toEqual([
      "'connector' = 'sluice-jdbc'",
      "'url' = 'jdbc:postgresql://db:5432/shop'",
      "'table-name' = 'products'",
      "'lookup.cache' = 'PARTIAL'",
      "'lookup.partial-cache.max-rows' = '1000'",
      "'lookup.partial-cache.expire-after-write' = '2 s'",
      "'lookup.partial-cache.cache-missing-key' = 'false'",
      "'sink.buffer-flush.max-rows' = '500'",
      "'sink.buffer-flush.interval' = '1 s'",
      "'sink.max-retries' = '5'",
    ]);
  });
  it("datagen", () => {
    expect(
      withSource({
        kind: "datagen",
        rowsPerSecond: 5,
        numberOfRows: 10,
        properties: { "fields.k.length": 8 },
      }),
    ).toEqual([
      "'connector' = 'datagen'",
      "'rows-per-second' = '5'",
      "'number-of-rows' = '10'",
      "'fields.k.length' = '8'",
    ]);
  });
  it("print", () => {
    expect(withSource({ kind: "print", printIdentifier: "dbg", standardError: true })).toEqual([
      "'connector' = 'print'",
      "'print-identifier' = 'dbg'",
      "'standard-error' = 'true'",
    ]);
  });
  it("blackhole", () => {
    expect(withSource({ kind: "blackhole" })).toEqual(["'connector' = 'blackhole'"]);
  });
  it("lists the secrets the SQL refers to", () => {
    const job = compile({
      name: "secrets",
      kafka: {
        bootstrapServers: "kafka:9092",
        properties: { "properties.sasl.jaas.config": { secret: "KAFKA_JAAS" } },
      },
      tables: [
        {
          name: "src",
          columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
          connector: { kind: "kafka", topic: "a", format: { kind: "raw" } },
        },
        {
          name: "db",
          columns: [{ kind: "physical", name: "k", type: { kind: "STRING" } }],
          connector: {
            kind: "jdbc",
            url: "jdbc:mysql://x/y",
            tableName: "t",
            password: { secret: "DB_PASSWORD" },
          },
        },
      ],
      inserts: [{ into: "db", query: selectFrom({ kind: "table", name: "src" }, [{ expr: col("k") }]) }],
    });
    expect(job.secretNames).toEqual(["DB_PASSWORD", "KAFKA_JAAS"]);
  });
});

describe("compileJob: one golden per query and from kind", () => {
  const cases: [string, Query, string][] = [
    [
      "select with where, distinct",
      selectFrom(readings, deviceValue, {
        where: { kind: "compare", op: ">", left: col("temperature"), right: lit(100) },
        distinct: true,
      }),
      "INSERT INTO `out` SELECT DISTINCT `device_id`, `temperature` AS `value` FROM `readings` WHERE `temperature` > 100",
    ],
    [
      "group by with having",
      selectFrom(
        readings,
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "AVG", arg: col("temperature") }, as: "value" },
        ],
        {
          groupBy: [col("device_id")],
          having: { kind: "compare", op: ">", left: { kind: "aggregate", fn: "COUNT" }, right: lit(2) },
        },
      ),
      "INSERT INTO `out` SELECT `device_id`, AVG(`temperature`) AS `value` FROM `readings` GROUP BY `device_id` HAVING COUNT(*) > 2",
    ],
    [
      "tumble window",
      selectFrom(
        {
          kind: "window",
          table: "readings",
          timeColumn: "ts",
          window: { kind: "tumble", size: { value: 1, unit: "HOUR" } },
        },
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "SUM", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("window_start"), col("window_end"), col("device_id")] },
      ),
      "INSERT INTO `out` SELECT `device_id`, SUM(`temperature`) AS `value` FROM TABLE(TUMBLE(TABLE `readings`, DESCRIPTOR(`ts`), INTERVAL '1' HOUR)) GROUP BY `window_start`, `window_end`, `device_id`",
    ],
    [
      "hop window",
      selectFrom(
        {
          kind: "window",
          table: "readings",
          timeColumn: "ts",
          window: { kind: "hop", slide: { value: 5, unit: "MINUTE" }, size: { value: 1, unit: "HOUR" } },
          as: "w",
        },
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "MAX", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("window_start"), col("window_end"), col("device_id")] },
      ),
      "INSERT INTO `out` SELECT `device_id`, MAX(`temperature`) AS `value` FROM TABLE(HOP(TABLE `readings`, DESCRIPTOR(`ts`), INTERVAL '5' MINUTE, INTERVAL '1' HOUR)) AS `w` GROUP BY `window_start`, `window_end`, `device_id`",
    ],
    [
      "cumulate window",
      selectFrom(
        {
          kind: "window",
          table: "readings",
          timeColumn: "ts",
          window: { kind: "cumulate", step: { value: 1, unit: "HOUR" }, size: { value: 1, unit: "DAY" } },
        },
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "MIN", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("window_start"), col("window_end"), col("device_id")] },
      ),
      "INSERT INTO `out` SELECT `device_id`, MIN(`temperature`) AS `value` FROM TABLE(CUMULATE(TABLE `readings`, DESCRIPTOR(`ts`), INTERVAL '1' HOUR, INTERVAL '1' DAY)) GROUP BY `window_start`, `window_end`, `device_id`",
    ],
    [
      "session window",
      selectFrom(
        {
          kind: "window",
          table: "readings",
          timeColumn: "ts",
          window: { kind: "session", gap: { value: 10, unit: "MINUTE" }, partitionBy: ["device_id"] },
        },
        [
          { expr: col("device_id") },
          { expr: { kind: "aggregate", fn: "STDDEV_POP", arg: col("temperature") }, as: "value" },
        ],
        { groupBy: [col("window_start"), col("window_end"), col("device_id")] },
      ),
      "INSERT INTO `out` SELECT `device_id`, STDDEV_POP(`temperature`) AS `value` FROM TABLE(SESSION(TABLE `readings` PARTITION BY `device_id`, DESCRIPTOR(`ts`), INTERVAL '10' MINUTE)) GROUP BY `window_start`, `window_end`, `device_id`",
    ],
    [
      "interval join",
      selectFrom(
        {
          kind: "join",
          join: "INNER",
          left: { kind: "table", name: "readings", as: "a" },
          right: { kind: "table", name: "readings", as: "b" },
          on: {
            kind: "logical",
            op: "AND",
            operands: [
              { kind: "compare", op: "=", left: col("device_id", "a"), right: col("device_id", "b") },
              {
                kind: "between",
                operand: col("ts", "b"),
                low: col("ts", "a"),
                high: {
                  kind: "arithmetic",
                  op: "+",
                  left: col("ts", "a"),
                  right: { kind: "interval", value: 1, unit: "MINUTE" },
                },
              },
            ],
          },
        },
        [{ expr: col("device_id", "a") }, { expr: col("temperature", "b"), as: "value" }],
      ),
      "INSERT INTO `out` SELECT `a`.`device_id`, `b`.`temperature` AS `value` FROM `readings` AS `a` JOIN `readings` AS `b` ON (`a`.`device_id` = `b`.`device_id`) AND (`b`.`ts` BETWEEN `a`.`ts` AND (`a`.`ts` + INTERVAL '1' MINUTE))",
    ],
    [
      "left join",
      selectFrom(
        {
          kind: "join",
          join: "LEFT",
          left: readings,
          right: { kind: "table", name: "devices" },
          on: {
            kind: "compare",
            op: "=",
            left: col("device_id", "readings"),
            right: col("device_id", "devices"),
          },
        },
        [{ expr: col("device_id", "readings") }, { expr: col("temperature"), as: "value" }],
      ),
      "INSERT INTO `out` SELECT `readings`.`device_id`, `temperature` AS `value` FROM `readings` LEFT JOIN `devices` ON `readings`.`device_id` = `devices`.`device_id`",
    ],
    [
      "temporal join",
      temporalJoinQuery(),
      "INSERT INTO `out` SELECT `d`.`site` AS `device_id`, `r`.`temperature` AS `value` FROM `readings` AS `r` LEFT JOIN `devices` FOR SYSTEM_TIME AS OF `r`.`ts` AS `d` ON `r`.`device_id` = `d`.`device_id`",
    ],
    [
      "cross join unnest",
      unnestQuery(),
      "INSERT INTO `out` SELECT LOWER(`t`.`tag`) AS `device_id`, `temperature` AS `value` FROM `readings` CROSS JOIN UNNEST(`tags`) AS `t` (`tag`)",
    ],
    [
      "subquery",
      selectFrom({ kind: "subquery", as: "s", query: selectFrom(readings, deviceValue) }, [
        { expr: col("device_id") },
        { expr: col("value") },
      ]),
      "INSERT INTO `out` SELECT `device_id`, `value` FROM (SELECT `device_id`, `temperature` AS `value` FROM `readings`) AS `s`",
    ],
    [
      "top-N",
      {
        kind: "topN",
        from: { kind: "subquery", as: "s", query: selectFrom(readings, deviceValue) },
        partitionBy: [col("device_id")],
        orderBy: [{ expr: col("value"), direction: "DESC" }],
        limit: 3,
      },
      "INSERT INTO `out` SELECT `device_id`, `value` FROM (SELECT `device_id`, `value`, ROW_NUMBER() OVER (PARTITION BY `device_id` ORDER BY `value` DESC) AS `sluice_rank` FROM (SELECT `device_id`, `temperature` AS `value` FROM `readings`) AS `s`) WHERE `sluice_rank` <= 3",
    ],
    [
      "deduplication (top-1)",
      {
        kind: "topN",
        from: {
          kind: "subquery",
          as: "s",
          query: selectFrom(readings, [
            { expr: col("device_id") },
            { expr: col("temperature"), as: "value" },
            { expr: col("proc") },
          ]),
        },
        partitionBy: [col("device_id")],
        orderBy: [{ expr: col("proc") }],
        limit: 1,
      },
      "", // checked below: the sink has 2 columns, the source 3 -> rejected; see the rankAs case
    ],
    [
      "raw select",
      {
        kind: "raw",
        parts: [
          "SELECT ",
          { kind: "columnRef", name: "device_id" },
          ", MAX(temperature) AS `value`\nFROM ",
          { kind: "tableRef", name: "readings" },
          " GROUP BY device_id",
        ],
      },
      "INSERT INTO `out` SELECT `device_id`, MAX(temperature) AS `value`\nFROM `readings` GROUP BY device_id",
    ],
  ];
  it.each(cases.filter(([, , sql]) => sql !== ""))("%s", (_name, query, sql) => {
    expect(insertOf(query)).toBe(sql);
  });

  it("deduplication keeps the first row per key and can expose the rank", () => {
    const spec = baseSpec({
      tables: [
        ...(baseSpec().tables ?? []),
        {
          name: "latest",
          columns: [
            { kind: "physical", name: "device_id", type: { kind: "STRING" } },
            { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
            { kind: "physical", name: "n", type: { kind: "BIGINT" } },
          ],
          connector: { kind: "print" },
        },
      ],
      views: [
        {
          name: "r2",
          query: selectFrom({ kind: "table", name: "readings" }, [
            { expr: col("device_id") },
            { expr: col("temperature") },
          ]),
        },
      ],
      inserts: [
        {
          into: "latest",
          query: {
            kind: "topN",
            from: { kind: "table", name: "r2" },
            partitionBy: [col("device_id")],
            orderBy: [{ expr: col("temperature") }],
            limit: 1,
            rankAs: "n",
          },
        },
      ],
    });
    expect(insertsOf(spec)[0]).toBe(
      "INSERT INTO `latest` SELECT `device_id`, `temperature`, `n` FROM (SELECT `device_id`, `temperature`, ROW_NUMBER() OVER (PARTITION BY `device_id` ORDER BY `temperature`) AS `n` FROM `r2`) WHERE `n` = 1",
    );
  });

  it("raw select: FROM inside a function call is not a table reference", () => {
    const query: Query = {
      kind: "raw",
      parts: [
        "SELECT CAST(EXTRACT(HOUR FROM ts) AS STRING) AS device_id, temperature AS `value` FROM ",
        { kind: "tableRef", name: "readings" },
        " WHERE TRIM(BOTH ' ' FROM device_id) <> '' AND device_id IN (SELECT device_id FROM ",
        { kind: "tableRef", name: "devices" },
        ")",
      ],
    };
    expect(insertOf(query)).toContain("EXTRACT(HOUR FROM ts)");
    const sneaky: Query = {
      kind: "raw",
      parts: ["SELECT * FROM ", { kind: "tableRef", name: "readings" }, " WHERE x IN (SELECT y FROM hidden)"],
    };
    expect(() => insertOf(sneaky)).toThrow(/RAW_UNDECLARED_TABLE|may only read declared tables/);
  });

  it("insert with an explicit column list", () => {
    const spec = baseSpec({
      inserts: [
        {
          into: "out",
          columns: ["value", "device_id"],
          query: selectFrom(readings, [{ expr: col("temperature") }, { expr: col("device_id") }]),
        },
      ],
    });
    expect(insertsOf(spec)[0]).toBe(
      "INSERT INTO `out` (`value`, `device_id`) SELECT `temperature`, `device_id` FROM `readings`",
    );
  });
});

describe("compileJob: enrichments", () => {
  const spec = baseSpec({
    enrichments: [
      {
        name: "tagged",
        input: "readings",
        idField: "device_id",
        textField: "device_id",
        carry: ["ts"],
        task: { kind: "themes", maxThemes: 3 },
        model: "gpt-4o-mini",
        outputTopic: "tagged_out",
        watermark: { column: "ts", delay: { value: 1, unit: "SECOND" } },
      },
    ],
    inserts: [],
  });
  const job = compile(spec);

  it("creates the request sink, the output source and the feeding insert", () => {
    const tables = job.statements.filter((s) => s.kind === "create-table").map((s) => s.sql);
    expect(tables.at(-2)).toBe(
      [
        "CREATE TEMPORARY TABLE `tagged_requests` (",
        "  `device_id` STRING,",
        "  `ts` TIMESTAMP(3)",
        ") WITH (",
        "  'connector' = 'kafka',",
        "  'topic' = 'sluice.golden.tagged.requests',",
        "  'properties.bootstrap.servers' = 'kafka:9092',",
        "  'key.format' = 'json',",
        "  'key.fields' = 'device_id',",
        "  'value.format' = 'json',",
        "  'value.fields-include' = 'ALL',",
        "  'sink.delivery-guarantee' = 'exactly-once',",
        "  'sink.transactional-id-prefix' = 'sluice.golden.tagged_requests.sluice.golden.tagged.requests',",
        "  'properties.transaction.timeout.ms' = '900000'",
        ")",
      ].join("\n"),
    );
    expect(tables.at(-1)).toBe(
      [
        "CREATE TEMPORARY TABLE `tagged` (",
        "  `device_id` STRING,",
        "  `ts` TIMESTAMP(3),",
        "  `themes` ARRAY<STRING>,",
        "  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND",
        ") WITH (",
        "  'connector' = 'kafka',",
        "  'topic' = 'tagged_out',",
        "  'properties.bootstrap.servers' = 'kafka:9092',",
        "  'properties.group.id' = 'sluice.golden.tagged',",
        "  'scan.startup.mode' = 'earliest-offset',",
        "  'format' = 'json',",
        "  'properties.isolation.level' = 'read_committed'",
        ")",
      ].join("\n"),
    );
    expect(insertsOf(spec)).toEqual([
      "INSERT INTO `tagged_requests` SELECT `device_id`, `ts` FROM `readings`",
    ]);
  });

  it("emits the enrichment task with defaults", () => {
    expect(job.enrichmentTasks).toEqual([
      {
        id: "golden.tagged",
        job: "golden",
        name: "tagged",
        inputTopic: "sluice.golden.tagged.requests",
        outputTopic: "tagged_out",
        deadLetterTopic: "tagged_out.dlq",
        idField: "device_id",
        textField: "device_id",
        model: "gpt-4o-mini",
        task: { kind: "themes", outputField: "themes", maxThemes: 3, maxThemeLength: 40 },
      },
    ]);
  });
});

describe("compileJob: default consumer group ids", () => {
  const groupIds = (spec: JobSpecInput) =>
    compile(spec)
      .statements.filter((s) => s.kind === "create-table")
      .flatMap((s) => /'properties\.group\.id' = '([^']*)'/.exec(s.sql)?.[1] ?? []);
  const enriched = baseSpec({
    enrichments: [
      {
        name: "tagged",
        input: "readings",
        idField: "device_id",
        textField: "device_id",
        task: { kind: "themes" },
        model: "m",
        outputTopic: "tagged_out",
      },
    ],
    inserts: [],
  });

  it("carry the spec's version, so versions running side by side never share a group", () => {
    expect(groupIds(enriched)).toEqual(["sluice.golden.readings", "sluice.golden.tagged"]);
    expect(groupIds({ ...enriched, version: 7 })).toEqual([
      "sluice.golden.v7.readings",
      "sluice.golden.v7.tagged",
    ]);
  });

  it("leave the version out for group-offsets, where the group's offsets are where a new version starts", () => {
    const spec = structuredClone({ ...enriched, version: 7 }) as JobSpec;
    const readings = spec.tables.find((t) => t.name === "readings");
    if (readings?.connector.kind !== "kafka") throw new Error("readings is a kafka table");
    readings.connector.startupMode = "group-offsets";
    (spec.enrichments[0] as { startupMode?: string }).startupMode = "group-offsets";
    expect(groupIds(spec)).toEqual(["sluice.golden.readings", "sluice.golden.tagged"]);
  });
});

describe("compileJob is deterministic and pure", () => {
  it("gives the same statements for the same spec", () => {
    const spec = withInsert(selectFrom({ kind: "table", name: "readings" }, deviceValue));
    const before = JSON.stringify(spec);
    expect(compile(spec)).toEqual(compile(spec));
    expect(JSON.stringify(spec)).toBe(before);
  });
});
