import { describe, expect, it } from "vitest";
import { defineJob, from, gt, insertInto, kafka, seconds, t, table, timeField } from "./builder/index.ts";
import { compileJob } from "./compile.ts";
import type { TimeFormat } from "./spec.ts";
import { validateJob } from "./validate.ts";

/** A job reading `timestamp` in `format` as `event_time` (watermarked), copying hot readings to a sink. */
function job(format: TimeFormat) {
  const readings = table(
    "readings",
    { device_id: t.string(), event_time: timeField("timestamp", format), temperature: t.double() },
    {
      // `fail`: compiled as declared (the dead-letter split has its own goldens).
      connector: kafka({
        topic: "readings",
        format: "json",
        bootstrapServers: "k:9092",
        errorPolicy: "fail",
      }),
      watermark: { column: "event_time", delay: seconds(5) },
    },
  );
  const sinkTime = format === "sql" ? t.timestamp(3) : t.timestampLtz(3);
  const alerts = table(
    "alerts",
    { device_id: t.string(), event_time: sinkTime },
    { connector: kafka({ topic: "alerts", format: "json", bootstrapServers: "k:9092" }) },
  );
  const hot = from(readings)
    .where((r) => gt(r.temperature, 100))
    .select((r) => ({ device_id: r.device_id, event_time: r.event_time }));
  return defineJob({ name: "time-formats", tables: [readings, alerts], inserts: [insertInto(alerts, hot)] });
}

/** The column lines and watermark of the source's CREATE TABLE. */
function sourceColumns(format: TimeFormat): string {
  const sql = compileJob(job(format)).statements.find((s) => s.sql.includes("TABLE `readings`"))?.sql ?? "";
  return sql.slice(sql.indexOf("(") + 1, sql.indexOf(") WITH (")).trim();
}

const golden = (field: string, time: string) =>
  [
    "`device_id` STRING,",
    `  ${field},`,
    `  \`event_time\` AS ${time},`,
    "  `temperature` DOUBLE,",
    "  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND",
  ].join("\n");

describe("typed time formats compile to a physical field and a computed time", () => {
  it("epoch-millis: a BIGINT field, TO_TIMESTAMP_LTZ(field, 3)", () => {
    expect(sourceColumns("epoch-millis")).toBe(
      golden("`timestamp` BIGINT", "TO_TIMESTAMP_LTZ(`timestamp`, 3)"),
    );
  });
  it("epoch-seconds: a BIGINT field, TO_TIMESTAMP_LTZ(field, 0)", () => {
    expect(sourceColumns("epoch-seconds")).toBe(
      golden("`timestamp` BIGINT", "TO_TIMESTAMP_LTZ(`timestamp`, 0)"),
    );
  });
  it("iso-8601: a STRING field parsed with a UTC pattern", () => {
    expect(sourceColumns("iso-8601")).toBe(
      golden("`timestamp` STRING", "TO_TIMESTAMP_LTZ(`timestamp`, 'yyyy-MM-dd''T''HH:mm:ss[.SSS]''Z''')"),
    );
  });
  it("sql: a STRING field, TRY_CAST to TIMESTAMP(3)", () => {
    expect(sourceColumns("sql")).toBe(golden("`timestamp` STRING", "TRY_CAST(`timestamp` AS TIMESTAMP(3))"));
  });
  it("types the time for the sink: LTZ for epochs and ISO, TIMESTAMP for SQL text", () => {
    for (const format of ["epoch-millis", "epoch-seconds", "iso-8601", "sql"] as const) {
      expect(validateJob(job(format)).ok).toBe(true);
    }
    const wrong = structuredClone(job("epoch-millis"));
    const sink = wrong.tables[1];
    if (sink?.columns[1]?.kind === "physical") sink.columns[1].type = { kind: "INT" };
    const result = validateJob(wrong);
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toContain("SINK_TYPE_MISMATCH");
  });
});
