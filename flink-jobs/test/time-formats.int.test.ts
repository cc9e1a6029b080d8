/**
 * Typed time formats on the REAL stack: for each format a job reads readings whose
 * `timestamp` is written that way (epoch millis, epoch seconds, ISO-8601 with `Z` or an
 * offset, Flink SQL text), keeps those above 100 and writes them to a sink; the test
 * reads the sink (read_committed) and compares it EXACTLY with the expected alerts.
 * It includes issue 10's Python-shaped record, and shows the old behaviour (a plain
 * TIMESTAMP(3) column) drops every epoch-millis reading.
 *
 * Run: npx vitest run --project integration flink-jobs/test/time-formats.int.test.ts
 */

import {
  type ColumnDef,
  compileJob,
  defineJob,
  from,
  gt,
  insertInto,
  type JobSpec,
  kafka,
  seconds,
  type TimeFormat,
  t,
  table,
  timeField,
} from "@sluice/flink-jobs";
import {
  produceRaw,
  readSink,
  StackResources,
  stackEndpoints,
  stackFlinkClient,
  uniqueName,
} from "@sluice/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const flink = stackFlinkClient();
const stack = new StackResources(flink);

beforeAll(async () => {
  expect((await flink.gateway.info()).version).toMatch(/^2\./);
});
afterEach(() => stack.cleanUp());
afterAll(async () => {
  await flink.close();
});

/** A job: readings on `input` whose time column is `time`, those above 100 written to `output`. */
function alertsJob(
  input: string,
  output: string,
  time: ColumnDef<"timestamp">,
  timeType: ColumnDef,
): JobSpec {
  const readings = table(
    "readings",
    { device_id: t.string(), event_time: time, temperature: t.double() },
    {
      connector: kafka({
        topic: input,
        format: { kind: "json", ignoreParseErrors: true },
        startupMode: "earliest-offset",
      }),
      watermark: { column: "event_time", delay: seconds(5) },
    },
  );
  const alerts = table(
    "alerts",
    { device_id: t.string(), event_time: timeType, temperature: t.double() },
    { connector: kafka({ topic: output, format: "json" }) },
  );
  const hot = from(readings)
    .where((r) => gt(r.temperature, 100))
    .select((r) => ({ device_id: r.device_id, event_time: r.event_time, temperature: r.temperature }));
  return defineJob({
    name: "time-formats",
    kafka: { bootstrapServers },
    tables: [readings, alerts],
    inserts: [insertInto(alerts, hot)],
  });
}

/** Produces `values` (JSON lines) to a fresh topic, runs the job and reads `count` alerts. */
async function run(
  format: TimeFormat | "plain",
  lines: string[],
  count: number,
  timeoutMs?: number,
): Promise<unknown[]> {
  const topics = await stack.uniqueTopics("readings", "alerts");
  await produceRaw(
    topics.readings,
    lines.map((value) => ({ key: null, value })),
  );
  const time = format === "plain" ? t.timestamp(3) : timeField("timestamp", format);
  const sinkType = format === "sql" || format === "plain" ? t.timestamp(3) : t.timestampLtz(3);
  const spec = alertsJob(topics.readings, topics.alerts, time, sinkType);
  const jobId = await stack.runJob(compileJob(spec), `it-time-formats-${format}-${uniqueName("run")}`);
  const out = await readSink(flink, topics.alerts, {
    jobId,
    done: (r) => r.length >= count,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  return out.map((r) => r.value);
}

const reading = (device: string, timestamp: unknown, temperature: number) =>
  JSON.stringify({ device_id: device, timestamp, temperature });

const alert = (device: string, eventTime: string, temperature: number) => ({
  device_id: device,
  event_time: eventTime,
  temperature,
});

describe("typed time formats", () => {
  it("epoch-millis: the issue's Python-shaped record comes out as an alert", async () => {
    const out = await run(
      "epoch-millis",
      [
        '{"device_id": "sensor-042", "timestamp": 1700000000000, "temperature": 101.3}',
        reading("sensor-001", 1700000001500, 99.5),
        reading("sensor-002", 1700000002250, 150),
      ],
      2,
    );
    expect(out).toEqual([
      alert("sensor-042", "2023-11-14 22:13:20Z", 101.3),
      alert("sensor-002", "2023-11-14 22:13:22.25Z", 150),
    ]);
  });

  it("epoch-seconds", async () => {
    const out = await run(
      "epoch-seconds",
      [reading("a", 1700000000, 101.3), reading("b", 1700000060, 20), reading("c", 1700000120, 100.5)],
      2,
    );
    expect(out).toEqual([
      alert("a", "2023-11-14 22:13:20Z", 101.3),
      alert("c", "2023-11-14 22:15:20Z", 100.5),
    ]);
  });

  it("iso-8601 in UTC (Z), with or without millis", async () => {
    const out = await run(
      "iso-8601",
      [
        reading("z", "2023-11-14T22:13:20.000Z", 101.3),
        reading("millis", "2023-11-14T22:13:21.125Z", 120),
        reading("cold", "2023-11-14T22:13:22Z", 50),
        reading("no-millis", "2023-11-14T22:13:23Z", 130),
      ],
      3,
    );
    expect(out).toEqual([
      alert("z", "2023-11-14 22:13:20Z", 101.3),
      alert("millis", "2023-11-14 22:13:21.125Z", 120),
      alert("no-millis", "2023-11-14 22:13:23Z", 130),
    ]);
  });

  it("sql: Flink's 'yyyy-MM-dd HH:mm:ss[.fff]' text", async () => {
    const out = await run(
      "sql",
      [
        reading("a", "2023-11-14 22:13:20", 101.3),
        reading("b", "2023-11-14 22:13:21.250", 130),
        reading("c", "2023-11-14 22:13:22.5", 10),
      ],
      2,
    );
    expect(out).toEqual([
      alert("a", "2023-11-14 22:13:20", 101.3),
      alert("b", "2023-11-14 22:13:21.25", 130),
    ]);
  });

  it("old behaviour: a plain TIMESTAMP(3) column drops every epoch-millis reading", async () => {
    // The lenient JSON source cannot parse a number as TIMESTAMP(3): nothing comes out.
    const out = await run(
      "plain",
      [
        '{"device_id": "sensor-042", "timestamp": 1700000000000, "temperature": 101.3}',
        reading("sensor-002", 1700000002250, 150),
      ],
      1,
      30_000,
    );
    expect(out).toEqual([]);
  });
});
