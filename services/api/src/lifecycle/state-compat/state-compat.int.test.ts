/**
 * The state-compatibility verdict against what Flink really does, on the REAL stack: for each
 * flagship job, run the base version on a little input, stop it with a savepoint, then for each
 * spec change predict the verdict (EXPLAIN of both versions, nothing running is touched) and
 * restore the changed version from that savepoint:
 * - `restored`: it runs on the old state;
 * - `dropped`: Flink refuses to map some state, and runs only with ignore-unclaimed-state;
 * - `refused`: it cannot run from the savepoint at all.
 * Prints the confusion table and how long each prediction took (the deployed version's graph is
 * planned once, as the API caches it; each prediction plans the new version); fails on any
 * `compatible` prediction whose restore does not keep all the state, and on more than 20% `unknown`.
 *
 * Run: npx vitest run --project integration services/api/src/lifecycle/state-compat/state-compat.int.test.ts
 */

import { type CompiledJob, compileJob, type JobSpec } from "@sluice/flink-jobs";
import {
  clicksWithProducts,
  sensorAnomalies,
  sensorZscore,
  transactionsHourly,
} from "@sluice/flink-jobs/jobs";
import {
  jobTrouble,
  produceJson,
  StackResources,
  stackEndpoints,
  stackFlinkClient,
  stopJob,
  uniqueName,
  withFunctionsJar,
} from "@sluice/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { ExplainCache, predictUpgrade, type StatePrediction, type StateVerdict } from "./index.ts";

const flink = stackFlinkClient();
const stack = new StackResources(flink);
afterAll(async () => {
  await stack.cleanUp();
  await flink.close();
});

// biome-ignore lint/suspicious/noExplicitAny: spec edits walk the JSON of a spec
type Json = Record<string, any>;
type Outcome = "restored" | "dropped" | "refused";

interface Variant {
  change: string;
  edit: (spec: Json, topic: () => string) => void;
}

interface Base {
  job: string;
  build: (topic: () => string) => JobSpec;
  feed: (spec: JobSpec) => Promise<void>;
  variants: Variant[];
}

const col = (name: string, table?: string) => ({ kind: "column", name, ...(table ? { table } : {}) });
const lit = (value: unknown) => ({ kind: "literal", value });
const hour = (value: number) => ({ value, unit: "HOUR" });

function addOutput(spec: Json, name: string, expr: Json, type: Json): void {
  const insert = spec.inserts[0];
  insert.columns.push(name);
  insert.query.select.push({ expr, as: name });
  spec.tables.find((t: Json) => t.name === insert.into).columns.push({ kind: "physical", name, type });
}

function dropOutput(spec: Json, name: string): void {
  const insert = spec.inserts[0];
  insert.columns = insert.columns.filter((c: string) => c !== name);
  insert.query.select = insert.query.select.filter((s: Json) => s.as !== name);
  const sink = spec.tables.find((t: Json) => t.name === insert.into);
  sink.columns = sink.columns.filter((c: Json) => c.name !== name);
}

function addSink(spec: Json, topic: string): void {
  const insert = spec.inserts[0];
  const sink = structuredClone(spec.tables.find((t: Json) => t.name === insert.into));
  sink.name = `${sink.name}_copy`;
  sink.connector.topic = topic;
  spec.tables.push(sink);
  spec.inserts.push({ ...structuredClone(insert), into: sink.name });
}

function tableOf(spec: JobSpec, name: string): string {
  const connector = spec.tables.find((t) => t.name === name)?.connector as { topic?: string } | undefined;
  return connector?.topic ?? name;
}
const at = (minute: number) => `2024-03-01 09:${String(minute).padStart(2, "0")}:00`;

/** 30 readings of 3 devices, their time in epoch milliseconds (or, for a job stored before, SQL text). */
async function feedReadings(spec: JobSpec, sqlText = false): Promise<void> {
  const readings = Array.from({ length: 30 }, (_, i) => ({
    device_id: `d${i % 3}`,
    timestamp: sqlText ? at(i) : Date.parse(`${at(i).replace(" ", "T")}Z`),
    temperature: 20 + (i % 7) * 15,
  }));
  await produceJson(tableOf(spec, "sensor_data"), readings);
}

/**
 * A sensor job as stored before its readings' time became epoch-millis (issue 10): `timestamp`
 * a TIMESTAMP(3) column read from SQL text and watermarked, queries ordering by it, the alert's
 * `timestamp` a TIMESTAMP(3) in the JSON format's default text.
 */
function storedBeforeEpochMillis(current: JobSpec): JobSpec {
  const old = JSON.parse(JSON.stringify(current).replaceAll('"event_time"', '"timestamp"')) as Json;
  for (const table of old.tables as Json[]) {
    table.columns = table.columns.map((c: Json) =>
      c.kind === "time" || (c.name === "timestamp" && c.type?.kind === "TIMESTAMP_LTZ")
        ? { kind: "physical", name: "timestamp", type: { kind: "TIMESTAMP", precision: 3 } }
        : c,
    );
    delete table.connector.format.timestampFormat;
  }
  return old as JobSpec;
}

/** A base: the job as stored before epoch-millis, upgraded to the current flagship (this change). */
function storedBefore(job: string, build: (topic: () => string) => JobSpec): Base {
  let current: JobSpec | undefined;
  return {
    job: `${job} (SQL-text time)`,
    build: (topic) => {
      current = build(topic);
      return storedBeforeEpochMillis(current);
    },
    feed: (spec) => feedReadings(spec, true),
    variants: [
      {
        change: "readings' time read as epoch-millis",
        edit: (s) => {
          const kafka = s.kafka;
          for (const key of Object.keys(s)) delete s[key];
          Object.assign(s, structuredClone(current), { kafka });
        },
      },
    ],
  };
}

const BASES: Base[] = [
  storedBefore("sensor-zscore", (topic) => sensorZscore({ inputTopic: topic(), outputTopic: topic() })),
  storedBefore("sensor-anomalies", (topic) => sensorAnomalies({ inputTopic: topic(), outputTopic: topic() })),
  {
    job: "transactions-hourly",
    build: (topic) => transactionsHourly({ inputTopic: topic(), outputTopic: topic() }),
    feed: (spec) =>
      produceJson(
        tableOf(spec, "transactions"),
        Array.from({ length: 8 }, (_, i) => ({ date: at(i * 5), amount: 12.5 + i, user_id: `u${i % 2}` })),
      ),
    variants: [
      {
        change: "description only",
        edit: (s) => {
          s.description = "hourly sums, reworded";
        },
      },
      {
        change: "filter changed",
        edit: (s) => {
          s.inserts[0].query.where.right = lit(20);
        },
      },
      {
        change: "window size changed",
        edit: (s) => {
          s.inserts[0].query.from.window.size = hour(2);
        },
      },
      {
        change: "window kind changed (tumble to hop)",
        edit: (s) => {
          s.inserts[0].query.from.window = {
            kind: "hop",
            size: hour(1),
            slide: { value: 30, unit: "MINUTE" },
          };
        },
      },
      {
        change: "aggregate function changed",
        edit: (s) => {
          s.inserts[0].query.select[2].expr.fn = "MAX";
        },
      },
      {
        change: "aggregate added",
        edit: (s) =>
          addOutput(
            s,
            "max_amount",
            { kind: "aggregate", fn: "MAX", arg: col("amount") },
            { kind: "DECIMAL", precision: 12, scale: 2 },
          ),
      },
      {
        change: "GROUP BY key changed",
        edit: (s) => {
          s.inserts[0].query.groupBy.push(col("user_id"));
          addOutput(s, "user_id", col("user_id"), { kind: "STRING" });
        },
      },
      { change: "projection column removed", edit: (s) => dropOutput(s, "transaction_count") },
      {
        change: "watermark delay changed",
        edit: (s) => {
          s.tables[0].watermark.delay = { value: 10, unit: "SECOND" };
        },
      },
      {
        change: "source table renamed",
        edit: (s) => {
          s.tables[0].name = "txns";
          s.inserts[0].query.from.table = "txns";
        },
      },
      {
        change: "parallelism changed",
        edit: (s) => {
          s.config["parallelism.default"] = "2";
        },
      },
      { change: "new sink added to the statement set", edit: (s, topic) => addSink(s, topic()) },
    ],
  },
  {
    job: "sensor-zscore",
    build: (topic) => sensorZscore({ inputTopic: topic(), outputTopic: topic() }),
    feed: feedReadings,
    variants: [
      {
        change: "OVER window length changed",
        edit: (s) => {
          for (const item of s.views[0].query.select)
            if (item.expr.kind === "over") item.expr.frame.preceding = 49;
        },
      },
      {
        change: "projection column added",
        edit: (s) =>
          addOutput(
            s,
            "temperature_f",
            { kind: "arithmetic", op: "*", left: col("temperature"), right: lit(1.8) },
            { kind: "DOUBLE" },
          ),
      },
      {
        change: "filter changed",
        edit: (s) => {
          s.inserts[0].query.where.operands[1].right = lit(2);
        },
      },
    ],
  },
  {
    job: "clicks-with-products",
    build: (topic) =>
      clicksWithProducts({ clicksTopic: topic(), productsTopic: topic(), outputTopic: topic() }),
    feed: (spec) =>
      produceJson(
        tableOf(spec, "clicks"),
        Array.from({ length: 6 }, (_, i) => ({
          click_id: `c${i}`,
          user_id: "u1",
          product_id: `p${i % 2}`,
          click_time: at(i),
        })),
      ),
    variants: [
      {
        change: "join condition changed",
        edit: (s) => {
          const from = s.inserts[0].query.from;
          from.on = {
            kind: "logical",
            op: "AND",
            operands: [
              from.on,
              { kind: "compare", op: "<>", left: col("user_id", "clicks"), right: lit("") },
            ],
          };
        },
      },
      { change: "projection column removed", edit: (s) => dropOutput(s, "category") },
    ],
  },
  {
    job: "sensor-anomalies",
    build: (topic) => sensorAnomalies({ inputTopic: topic(), outputTopic: topic() }),
    feed: feedReadings,
    variants: [
      {
        change: "filter changed",
        edit: (s) => {
          s.inserts[0].query.where.right = lit(90);
        },
      },
      {
        change: "enrichment added",
        edit: (s, topic) => {
          s.enrichments.push({
            name: "reading_notes",
            input: "sensor_data",
            idField: "device_id",
            textField: "device_id",
            carry: ["temperature"],
            task: { kind: "themes", maxThemes: 3 },
            model: "gpt-4o-mini",
            outputTopic: topic(),
            requestTopic: topic(),
          });
        },
      },
    ],
  },
];

const EXPECTED: Record<StateVerdict, Outcome | undefined> = {
  compatible: "restored",
  "compatible-with-state-loss": "dropped",
  incompatible: "refused",
  unknown: undefined,
};

interface Row {
  job: string;
  change: string;
  prediction: StatePrediction;
  outcome: Outcome;
  detail: string;
}

const rows: Row[] = [];
/** Statements of a loaded gateway finish at any moment: look often. */
const FAST_POLL = { initialPollDelayMs: 20, maxPollDelayMs: 100 };

describe("state-compatibility verdict vs. the real restore", () => {
  for (const base of BASES) {
    it(`${base.job}: ${base.variants.length} changes`, async () => {
      const topics: string[] = [];
      const topic = () => {
        const name = uniqueName(base.job.slice(0, 12));
        topics.push(name);
        return name;
      };
      const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
      const spec = { ...base.build(topic), kafka: { bootstrapServers } } as JobSpec;
      await stack.createTopics([...topics]);
      const compiled = compileJob(spec);
      const jobId = await stack.runJob(compiled, uniqueName(`upcheck-${base.job}`));
      await base.feed(spec);
      await new Promise((r) => setTimeout(r, 4_000));
      const savepoint = await flink.rest.stopWithSavepointAndWait(jobId, { drain: false });
      // The deployed version is planned once (as the API caches it); each prediction plans the
      // new version. Predictions first, timed alone; then the restores, one at a time (the
      // variants share the Kafka sinks' transactional id prefix, as versions of one job do).
      const cache = new ExplainCache();
      const explainOf = (job: CompiledJob) =>
        cache.get(JSON.stringify(job.statements), () =>
          flink.gateway.explain(withFunctionsJar(job), { details: ["JSON_EXECUTION_PLAN"], ...FAST_POLL }),
        );
      await explainOf(compiled);
      const planned: Array<{ variant: Variant; prediction: StatePrediction; next: CompiledJob }> = [];
      for (const variant of base.variants) {
        const before = topics.length;
        const edited = structuredClone(spec) as unknown as Json;
        variant.edit(edited, topic);
        if (topics.length > before) await stack.createTopics(topics.slice(before));
        const next = compileJob(edited as JobSpec);
        const explain = (version: "previous" | "next") => explainOf(version === "previous" ? compiled : next);
        planned.push({ variant, prediction: await predictUpgrade(explain), next });
      }
      await inPool(planned, 1, async ({ variant, prediction, next }) => {
        const { outcome, detail } = await restore(next, savepoint);
        rows.push({ job: base.job, change: variant.change, prediction, outcome, detail });
      });
    }, 600_000);
  }

  afterAll(() => report(rows));

  it("no compatible prediction loses state; at most 20% unknown", () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const wrong = rows.filter((r) => r.prediction.verdict === "compatible" && r.outcome !== "restored");
    expect(wrong.map((r) => `${r.job}: ${r.change} -> ${r.outcome}`)).toEqual([]);
    expect(rows.filter((r) => r.prediction.verdict === "unknown").length).toBeLessThanOrEqual(
      rows.length * 0.2,
    );
    // Timed, not asserted (tests never assert timings): the printed figure is the measurement.
    const times = rows.map((r) => r.prediction.elapsedMs).sort((a, b) => a - b);
    console.log(`prediction: median ${times[Math.floor(times.length / 2)]} ms, max ${times.at(-1)} ms`);
  });
});

/** Starts the version from the savepoint; with unmappable state, tries again allowing it to be dropped. */
async function restore(
  compiled: CompiledJob,
  savepoint: string,
): Promise<{ outcome: Outcome; detail: string }> {
  const first = await attempt(compiled, savepoint, false);
  if (first.ok) return { outcome: "restored", detail: "" };
  if (!/Cannot map checkpoint\/savepoint state/i.test(first.detail))
    return { outcome: "refused", detail: first.detail };
  const second = await attempt(compiled, savepoint, true);
  return second.ok
    ? { outcome: "dropped", detail: first.detail }
    : { outcome: "refused", detail: second.detail };
}

async function attempt(
  compiled: CompiledJob,
  savepoint: string,
  dropUnclaimed: boolean,
): Promise<{ ok: boolean; detail: string }> {
  const sets: Record<string, string> = {
    "pipeline.name": uniqueName("upcheck-restore"),
    "execution.state-recovery.path": savepoint,
    "execution.state-recovery.ignore-unclaimed-state": String(dropUnclaimed),
  };
  let jobId: string;
  try {
    ({ jobId } = await flink.gateway.executeStatementSet(withFunctionsJar(compiled), { sets, ...FAST_POLL }));
  } catch (error) {
    return { ok: false, detail: String(error) };
  }
  try {
    // Tasks restore their state while INITIALIZING: once all run, the restore is done.
    await flink.rest.waitForJobRunning(jobId, { timeoutMs: 60_000, pollIntervalMs: 250 });
    await new Promise((r) => setTimeout(r, 1_000));
    const trouble = await jobTrouble(flink, jobId);
    return trouble ? { ok: false, detail: trouble } : { ok: true, detail: "" };
  } catch (error) {
    const trouble = await jobTrouble(flink, jobId).catch(() => undefined);
    return { ok: false, detail: trouble ?? String(error) };
  } finally {
    await stopJob(flink, jobId);
  }
}

async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

function report(all: Row[]): void {
  const outcomes: Outcome[] = ["restored", "dropped", "refused"];
  const lines = all.map(
    (r) =>
      `${r.job.padEnd(22)} ${r.change.padEnd(38)} ${r.prediction.verdict.padEnd(27)} ${r.outcome.padEnd(9)} ${r.prediction.elapsedMs} ms  ${r.prediction.operators
        .filter((o) => o.fate !== "kept")
        .map((o) => `${o.operator}: ${o.reason}`)
        .join("; ")}${r.detail ? `  [flink: ${r.detail.slice(0, 160)}]` : ""}`,
  );
  const table = (Object.keys(EXPECTED) as StateVerdict[]).map(
    (v) =>
      `${v.padEnd(27)} ${outcomes.map((o) => String(all.filter((r) => r.prediction.verdict === v && r.outcome === o).length).padStart(9)).join("")}`,
  );
  console.log(
    [
      "job                    change                                 predicted                   outcome   time",
      ...lines,
      "",
      `confusion (rows: predicted, columns: real outcome)\n${"".padEnd(27)} ${outcomes.map((o) => o.padStart(9)).join("")}`,
      ...table,
    ].join("\n"),
  );
}
