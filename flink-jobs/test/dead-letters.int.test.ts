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
  // Both topics are read at once; each read is done when the two together hold every input record.
  const seen = { out: 0, dead: 0 };
  const read = (topic: string, side: keyof typeof seen) =>
    readSink(flink, topic, {
      jobId,
      done: (r) => {
        seen[side] = r.length;
        return seen.out + seen.dead >= MIXED.length;
      },
      settleMs: 2_000,
    });
  const [out, dead] = await Promise.all([read(topics.out, "out"), read(dlq, "dead")]);
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

  it("fail: a bad record fails the job, and the reason is in Flink's exceptions", async () => {
    const topics = { readings: uniqueName("readings"), out: uniqueName("out") };
    await stack.createTopics([topics.readings, topics.out]);
    await produceRaw(topics.readings, [
      { key: null, value: reading("ok", 1700000000000, 20) },
      { key: null, value: reading("s-hot", 1700000000001, "hot") },
    ]);
    const spec = jobSpecSchema.parse(
      passThrough(topics.readings, topics.out, "epoch-millis", { errorPolicy: "fail" }),
    );
    const compiled = compileJob(spec);
    expect(compiled.statements.map((s) => s.sql).join("\n")).not.toContain("__sluice");
    const jobId = await stack.runJob(compiled, `it-dead-letters-fail-${uniqueName("run")}`, {
      submitTimeoutMs: 180_000,
    });
    const reason = await waitFor(
      async () => {
        const { entries } = await flink.rest.getExceptions(jobId, 5);
        return entries.map((e) => e.stacktrace).find((t) => t.includes("Failed to deserialize JSON"));
      },
      { timeout: 90_000, description: "the job's deserialization failure" },
    );
    expect(reason).toMatch(/temperature|hot/);
  });

  it("a model job: a non-numeric, non-finite or NULL feature is a dead letter, the model stays finite", async () => {
    const topics = { readings: uniqueName("readings"), out: uniqueName("out") };
    const dlq = `${topics.readings}.dlq`;
    await stack.createTopics([topics.readings, topics.out, dlq]);
    const values = [20, 21, 20.5, "hot", 22, "NaN", 21.5, null, "1e400", 20.8, "Infinity", 21.2];
    await produceRaw(
      topics.readings,
      values.map((t, i) => ({ key: null, value: reading("d1", 1700000000000 + i * 1000, t) })),
    );
    const base = passThrough(topics.readings, topics.out, "epoch-millis");
    const [readings] = base.tables ?? [];
    const spec = jobSpecSchema.parse({
      ...base,
      name: "dead-letters-model",
      tables: [
        {
          ...readings,
          // Processing time orders the model: no watermark to wait for at the end of the input.
          columns: [
            ...(readings?.columns ?? []),
            { kind: "computed", name: "proc", expression: { kind: "call", fn: "PROCTIME", args: [] } },
          ],
          watermark: undefined,
        },
        {
          name: "out",
          columns: [
            { kind: "physical", name: "record_offset", type: { kind: "BIGINT" } },
            { kind: "physical", name: "expected", type: { kind: "DOUBLE" } },
            { kind: "physical", name: "n", type: { kind: "BIGINT" } },
            { kind: "physical", name: "skipped", type: { kind: "BIGINT" } },
          ],
          connector: { kind: "kafka", topic: topics.out, format: { kind: "json" } },
        },
      ],
      models: [
        {
          name: "m",
          input: "readings",
          key: ["device_id"],
          time: "proc",
          function: { kind: "ewmaZScore", value: "temperature" },
        },
      ],
      inserts: [
        {
          into: "out",
          query: {
            kind: "select",
            from: { kind: "table", name: "m" },
            select: ["record_offset", "expected", "n", "skipped"].map((name) => ({
              expr: { kind: "column", name },
            })),
          },
        },
      ],
    });
    const jobId = await stack.runJob(compileJob(spec), `it-dead-letters-model-${uniqueName("run")}`, {
      submitTimeoutMs: 180_000,
    });
    const bad = [3, 5, 7, 8, 10];
    const dead = (
      await readSink(flink, dlq, { jobId, done: (r) => r.length >= bad.length, settleMs: 2_000 })
    ).map((r) => r.value as DeadLetter);
    const out = (
      await readSink(flink, topics.out, {
        jobId,
        done: (r) => r.length >= values.length - bad.length,
        settleMs: 2_000,
      })
    ).map((r) => r.value as { record_offset: number; expected: number | null; n: number; skipped: number });
    expect(dead.map((d) => d.offset).sort((a, b) => a - b)).toEqual(bad);
    for (const d of dead) expect(d.column, d.reason).toBe("temperature");
    expect(out.map((r) => r.record_offset)).toEqual(values.map((_, i) => i).filter((i) => !bad.includes(i)));
    for (const r of out) {
      expect(r.skipped).toBe(0);
      if (r.expected !== null) expect(Number.isFinite(r.expected)).toBe(true);
    }
    // `n` counts the rows learnt, this one included: only the valid ones.
    expect(out.at(-1)?.n).toBe(values.length - bad.length);
  });
});
