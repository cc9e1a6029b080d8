/**
 * Models (the JVM functions of `flink-jobs/functions`) through the SDK on the REAL stack: a job
 * built with `model(...)`/`linearRegression(...)`, compiled by `compileJob`, its jar placeholder
 * resolved like a secret (`withFunctionsJar`), submitted through the SQL Gateway; records produced to Kafka and the
 * sink read back and compared with the SGD rule computed here in TypeScript.
 *
 * - State is the model: stop with a savepoint, start from it, the coefficients continue; the same
 *   across an upgrade that changes a hyper-parameter.
 * - Bad input (NULL, "NaN", "Infinity", 1e300 through Kafka) is skipped and counted, and the
 *   model stays finite.
 *
 * Run: npx vitest run --project integration flink-jobs/test/models.int.test.ts
 */

import {
  compileJob,
  defineJob,
  FUNCTIONS_JAR_SECRET,
  from,
  insertInto,
  kafka,
  linearRegression,
  model,
  proctime,
  t,
  table,
} from "@sluice/flink-jobs";
import {
  type ConsumedRecord,
  produceRaw,
  readSink,
  StackResources,
  stackEndpoints,
  stackFlinkClient,
  stopJob,
  uniqueName,
  withFunctionsJar,
} from "@sluice/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const flink = stackFlinkClient();
const stack = new StackResources(flink);
const restored: string[] = [];

afterEach(async () => {
  for (const jobId of restored.splice(0)) await stopJob(flink, jobId);
  await stack.cleanUp();
});
afterAll(() => flink.close());

const ETA0 = 0.01;

/** A labelled stream `obs` → an online linear model → `model_out`, as the SDK builds it. */
function modelJob(
  topics: { input: string; output: string },
  eta0 = ETA0,
  errorPolicy: "dead-letter" | "fail" = "dead-letter",
) {
  const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
  const obs = table(
    "obs",
    { id: t.bigint(), y: t.double(), x1: t.double(), x2: t.double(), pt: proctime() },
    {
      connector: kafka({ topic: topics.input, format: "json", startupMode: "earliest-offset", errorPolicy }),
    },
  );
  const learner = model("obs_model", obs, {
    key: [],
    time: "pt",
    fn: linearRegression({ label: "y", features: ["x1", "x2"], params: { eta0, coefficients: true } }),
  });
  const out = table(
    "model_out",
    {
      id: t.bigint(),
      prediction: t.double(),
      intercept: t.double(),
      weights: t.array(t.double()),
      updates: t.bigint(),
      skipped: t.bigint(),
    },
    { connector: kafka({ topic: topics.output, format: "json" }) },
  );
  const spec = defineJob({
    name: "it-online-model",
    kafka: { bootstrapServers },
    tables: [obs, out],
    models: [learner],
    inserts: [
      insertInto(
        out,
        from(learner).select((r) => ({
          id: r.id,
          prediction: r.prediction,
          intercept: r.intercept,
          weights: r.weights,
          updates: r.updates,
          skipped: r.skipped,
        })),
      ),
    ],
  });
  return compileJob(spec);
}

type Obs = { id: number; y: number | string | null; x1: number | string | null; x2: number | string | null };
type Out = {
  id: number;
  prediction: number | null;
  intercept: number;
  weights: number[] | null;
  updates: number;
  skipped: number;
};

/** The functions' rule, independently: predict, then one clipped SGD step, all or nothing. */
function expectedOutputs(rows: Obs[], etaOf: (id: number) => number = () => ETA0): Out[] {
  let w: number[] | null = null;
  let b = 0;
  let updates = 0;
  let skipped = 0;
  const usable = (v: Obs["y"]): v is number => typeof v === "number" && Number.isFinite(v);
  return rows.map((r) => {
    const x = [r.x1, r.x2];
    if (!x.every(usable)) {
      skipped++;
      return { id: r.id, prediction: null, intercept: b, weights: w && [...w], updates, skipped };
    }
    w ??= [0, 0];
    const weights = w;
    let margin = b;
    for (let i = 0; i < 2; i++) margin += (weights[i] as number) * (x[i] as number);
    // The functions report a non-finite prediction as NULL.
    const prediction = Number.isFinite(margin) ? margin : null;
    // A NULL label only predicts (scoring rows without labels).
    if (r.y === null) return { id: r.id, prediction, intercept: b, weights: [...weights], updates, skipped };
    const g = Math.max(-1e12, Math.min(1e12, 2 * (margin - Number(r.y))));
    const next = weights.map((wi, i) => wi - etaOf(r.id) * (g * (x[i] as number) + 0 * wi));
    const intercept = b - 0.01 * g;
    if (usable(r.y) && Number.isFinite(g) && Number.isFinite(intercept) && next.every(Number.isFinite)) {
      w = next;
      b = intercept;
      updates++;
    } else skipped++;
    return { id: r.id, prediction, intercept: b, weights: [...(w ?? [])], updates, skipped };
  });
}

const produce = (topic: string, rows: Obs[]) =>
  produceRaw(
    topic,
    rows.map((r) => ({ key: null, value: JSON.stringify(r) })),
  );

/** y = 3·x1 − 2·x2 + 1 on a small repeating grid of features. */
const clean = (from: number, to: number): Obs[] =>
  Array.from({ length: to - from + 1 }, (_, k) => {
    const id = from + k;
    const x1 = (id % 5) - 2;
    const x2 = (id % 3) * 0.5;
    return { id, y: 3 * x1 - 2 * x2 + 1, x1, x2 };
  });

function compare(actual: ConsumedRecord[], expected: Out[]): void {
  const got = actual.map((r) => r.value as Out);
  expect(got.map((o) => o.id)).toEqual(expected.map((o) => o.id));
  got.forEach((o, i) => {
    const e = expected[i] as Out;
    expect({ id: o.id, updates: o.updates, skipped: o.skipped }).toEqual({
      id: e.id,
      updates: e.updates,
      skipped: e.skipped,
    });
    if (e.prediction === null) expect(o.prediction).toBeNull();
    else expect(o.prediction).toBeCloseTo(e.prediction, 6);
    expect(o.intercept).toBeCloseTo(e.intercept, 6);
    (e.weights ?? []).forEach((wi, j) => {
      expect(o.weights?.[j]).toBeCloseTo(wi, 6);
    });
  });
}

describe("an online model compiled by the SDK, on the real stack", () => {
  /**
   * Learns rows 1-60, stops with a savepoint, starts `eta0After`'s job from it, learns rows
   * 61-100; every prediction and coefficient must follow one model that learnt all 100 rows.
   */
  async function learnStopRestart(eta0After: number): Promise<void> {
    const topics = await stack.uniqueTopics("obs", "model_out");
    const compiled = modelJob({ input: topics.obs, output: topics.model_out });
    expect(compiled.secretNames).toEqual([FUNCTIONS_JAR_SECRET]);
    const first = clean(1, 60);
    const second = clean(61, 100);
    const expected = expectedOutputs([...first, ...second], (id) => (id <= 60 ? ETA0 : eta0After));

    await produce(topics.obs, first);
    const jobId = await stack.runJob(compiled, uniqueName("it-model"));
    const before = await readSink(flink, topics.model_out, {
      jobId,
      done: (r) => r.length >= 60,
      settleMs: 1_000,
    });
    compare(before, expected.slice(0, 60));
    const savepoint = await flink.rest.stopWithSavepointAndWait(jobId, { drain: false });

    await produce(topics.obs, second);
    const restart = modelJob({ input: topics.obs, output: topics.model_out }, eta0After);
    const { jobId: again } = await flink.gateway.executeStatementSet(withFunctionsJar(restart), {
      sets: { "pipeline.name": uniqueName("it-model-restored"), "execution.state-recovery.path": savepoint },
    });
    restored.push(again);
    await flink.rest.waitForJobRunning(again, { timeoutMs: 120_000 });
    const all = await readSink(flink, topics.model_out, { jobId: again, done: (r) => r.length >= 100 });
    // Started afresh, row 61 would be predicted by a zero model with updates = 1.
    compare(all, expected);
    const last = before.at(-1)?.value as Out;
    const next = all[60]?.value as Out;
    console.log(
      `eta0 ${ETA0} -> ${eta0After}: model before the stop ${JSON.stringify(last)}; first row after the start ${JSON.stringify(next)}`,
    );
  }

  it("keeps the model in Flink state: stop with a savepoint, start from it, the coefficients continue", async () => {
    await learnStopRestart(ETA0);
  }, 300_000);

  it("keeps the model across an upgrade that keeps the function (a new eta0 applies from the next row)", async () => {
    await learnStopRestart(0.02);
  }, 300_000);

  it("skips and counts NULL, NaN and infinite features; huge values leave the model finite", async () => {
    const topics = await stack.uniqueTopics("obs", "model_out");
    // The source's default policy would dead-letter these records before the model sees them
    // (dead-letters.int.test.ts tests that); with `fail` Flink's strict JSON reads "NaN" and
    // "Infinity" as doubles, so this tests the functions' own guard inside the engine.
    const compiled = modelJob({ input: topics.obs, output: topics.model_out }, ETA0, "fail");
    const bad: Obs[] = [
      { id: 21, y: 1, x1: null, x2: 1 },
      { id: 22, y: 1, x1: "NaN", x2: 1 },
      { id: 23, y: 1, x1: 1, x2: "Infinity" },
      { id: 24, y: 1, x1: "-Infinity", x2: 0 },
      { id: 25, y: "NaN", x1: 1, x2: 1 },
      { id: 26, y: 1e300, x1: 1, x2: 1 },
      { id: 27, y: 1, x1: 1e300, x2: 1 },
      { id: 28, y: null, x1: 1, x2: 1 },
    ];
    const rows = [...clean(1, 20), ...bad, ...clean(29, 40)];
    const expected = expectedOutputs(rows);
    await produce(topics.obs, rows);
    const jobId = await stack.runJob(compiled, uniqueName("it-model-bad"));
    const out = await readSink(flink, topics.model_out, { jobId, done: (r) => r.length >= rows.length });
    compare(out, expected);
    for (const { value } of out) {
      const o = value as Out;
      for (const v of [o.prediction ?? 0, o.intercept, ...(o.weights ?? [])])
        expect(Number.isFinite(v)).toBe(true);
    }
    // NULL/NaN/±Infinity features (4), a NaN label (1), a feature whose step overflows (1); the
    // NULL label only predicts; 1e300 as a label is clipped (finite) and learnt.
    expect(out.at(-1)?.value).toMatchObject({ skipped: 6 });
  }, 240_000);
});
