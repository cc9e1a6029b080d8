import { describe, expect, it } from "vitest";
import { compileJob } from "./compile.ts";
import type { JobSpec, JobSpecInput } from "./spec.ts";

/** Readings (epoch-millis event time) copied to a sink; `connector` extends the source's. */
function spec(connector: object = {}, extra: Partial<JobSpecInput> = {}): JobSpec {
  return {
    name: "dl",
    kafka: { bootstrapServers: "k:9092" },
    tables: [
      {
        name: "readings",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "time", name: "event_time", field: "timestamp", format: "epoch-millis" },
          { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
        ],
        watermark: { column: "event_time", delay: { value: 5, unit: "SECOND" } },
        connector: { kind: "kafka", topic: "sensor_data", format: { kind: "json" }, ...connector },
      },
      {
        name: "out",
        columns: [{ kind: "physical", name: "device_id", type: { kind: "STRING" } }],
        connector: { kind: "kafka", topic: "out", format: { kind: "json" } },
      },
    ],
    views: [],
    inserts: [
      {
        into: "out",
        query: {
          kind: "select",
          from: { kind: "table", name: "readings" },
          select: [{ expr: { kind: "column", name: "device_id" } }],
        },
      },
    ],
    enrichments: [],
    models: [],
    config: {},
    ...extra,
  } as JobSpec;
}

const sqlOf = (s: JobSpec) => compileJob(s).statements.map((st) => st.sql);

describe("dead letters: a JSON Kafka source is split into raw table, valid view and dead-letter sink", () => {
  it("dead-letter (the default): sluice-json, the valid rows as a view, invalid rows to <topic>.dlq", () => {
    const [raw, sink, view, out, set] = sqlOf(spec());
    expect(raw).toBe(
      [
        "CREATE TEMPORARY TABLE `readings__raw` (",
        "  `device_id` STRING,",
        "  `timestamp` BIGINT,",
        "  `event_time` AS TO_TIMESTAMP_LTZ(`timestamp`, 3),",
        "  `temperature` DOUBLE,",
        "  `__sluice_error` STRING,",
        "  `__sluice_error_column` STRING,",
        "  `__sluice_raw` BYTES,",
        "  `__sluice_topic` STRING METADATA FROM 'topic' VIRTUAL,",
        "  `__sluice_partition` INT METADATA FROM 'partition' VIRTUAL,",
        "  `__sluice_offset` BIGINT METADATA FROM 'offset' VIRTUAL,",
        "  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND",
        ") WITH (",
        "  'connector' = 'kafka',",
        "  'topic' = 'sensor_data',",
        "  'properties.bootstrap.servers' = 'k:9092',",
        "  'properties.group.id' = 'sluice.dl.readings',",
        "  'format' = 'sluice-json'",
        ")",
      ].join("\n"),
    );
    expect(sink).toContain("CREATE TEMPORARY TABLE `readings__dead_letters` (\n  `reason` STRING,");
    expect(sink).toContain("'topic' = 'sensor_data.dlq'");
    expect(sink).not.toContain("group.id");
    expect(view).toBe(
      "CREATE TEMPORARY VIEW `readings` AS SELECT `device_id`, `timestamp`, `event_time`, `temperature` FROM `readings__raw` WHERE `__sluice_error` IS NULL AND `timestamp` IS NOT NULL AND `event_time` IS NOT NULL",
    );
    expect(out).toContain("CREATE TEMPORARY TABLE `out`");
    expect(set).toContain(
      "INSERT INTO `readings__dead_letters` SELECT COALESCE(`__sluice_error`, CASE WHEN `timestamp` IS NULL THEN 'field `timestamp` is missing or NULL (the event time `event_time` needs it)' WHEN `event_time` IS NULL THEN 'field `timestamp` is not a valid epoch-millis time' END) AS `reason`",
    );
    expect(set).toContain(
      "CAST(`__sluice_topic` AS STRING), CAST(`__sluice_partition` AS INT), CAST(`__sluice_offset` AS BIGINT), `__sluice_raw`, 'dl' FROM `readings__raw` WHERE NOT (`__sluice_error` IS NULL AND `timestamp` IS NOT NULL AND `event_time` IS NOT NULL)",
    );
    expect(set).toContain("INSERT INTO `out` SELECT `device_id` FROM `readings`");
  });

  it("skip: a blackhole sink, so the count is still in Flink's metrics", () => {
    const sink = sqlOf(spec({ errorPolicy: "skip" }))[1];
    expect(sink).toContain("`readings__dead_letters`");
    expect(sink).toContain("'connector' = 'blackhole'");
  });

  it("fail: the table as declared, strict JSON", () => {
    const [table] = sqlOf(spec({ errorPolicy: "fail" }));
    expect(table).toContain("CREATE TEMPORARY TABLE `readings` (");
    expect(table).toContain("'format' = 'json'");
    expect(table).not.toContain("__sluice");
  });

  it("a dead-letter topic of its own, JSON options carried over, ignoreParseErrors dropped", () => {
    const [raw, sink] = sqlOf(
      spec({
        deadLetterTopic: "bad.readings",
        format: { kind: "json", ignoreParseErrors: true, timestampFormat: "ISO-8601" },
      }),
    );
    expect(raw).toContain("'sluice-json.timestamp-format.standard' = 'ISO-8601'");
    expect(raw).not.toContain("ignore-parse-errors");
    expect(sink).toContain("'topic' = 'bad.readings'");
  });

  it("dead letters are exactly-once when the job's Kafka sinks are", () => {
    const s = spec();
    const out = s.tables[1];
    if (out?.connector.kind === "kafka") out.connector.deliveryGuarantee = "exactly-once";
    expect(sqlOf(s)[1]).toContain("'sink.delivery-guarantee' = 'exactly-once'");
  });

  it("required columns, and a model's inputs, are dead letters when NULL", () => {
    const s = spec({ required: ["device_id"] }, {
      models: [
        {
          name: "m",
          input: "readings",
          key: ["device_id"],
          time: "event_time",
          function: { kind: "ewmaZScore", value: "temperature" },
        },
      ],
    } as Partial<JobSpecInput>);
    const view = sqlOf(s).find((q) => q.startsWith("CREATE TEMPORARY VIEW `readings`"));
    expect(view).toContain("`temperature` IS NOT NULL AND `device_id` IS NOT NULL");
  });

  it("a sink, or a table nobody reads, is not split", () => {
    const s = spec();
    const unused = { ...(s.tables[0] as JobSpec["tables"][number]), name: "unused" };
    const sql = sqlOf({ ...s, tables: [...s.tables, unused] });
    expect(sql.some((q) => q.includes("`out__raw`") || q.includes("`unused__raw`"))).toBe(false);
    expect(sql.some((q) => q.startsWith("CREATE TEMPORARY TABLE `unused` ("))).toBe(true);
  });
});
