/**
 * Replays a data set through Kafka into a Sluice job with an online model (compiled by the SDK,
 * submitted through the SQL Gateway), and reads the predictions back with the times Kafka
 * stamped on them. The data set is written `replicas` times, one model per replica (the key):
 * replica 0 gives the metrics, all of them the throughput.
 */

import type { FlinkClient } from "@sluice/flink-client";
import {
  type CompiledJob,
  compileJob,
  defineJob,
  type Ex,
  from,
  insertInto,
  kafka,
  linearRegression,
  logisticRegression,
  model,
  proctime,
  type RegressionParams,
  t,
  table,
} from "@sluice/flink-jobs";
import {
  createTopics,
  deleteTopics,
  kafkaClient,
  produceRaw,
  stackEndpoints,
  stopJob,
  uniqueName,
  withFunctionsJar,
} from "@sluice/testkit";

export interface DataSet {
  kind: "classification" | "regression";
  params: RegressionParams;
  features: string[];
  /** [features in `features`' order, label] */
  rows: [number[], number][];
}

export interface Replay {
  /** Replica 0's predictions, in row order (null where the model gave none). */
  predictions: (number | null)[];
  records: number;
  /** From the job's start (Flink's start time, tasks not yet deployed) to the last prediction in Kafka (s). */
  totalSeconds: number;
  /** From the first to the last prediction in Kafka (s): the steady rate, start-up left out. */
  steadySeconds: number;
  /** Records per replica whose predictions differ from replica 0's (determinism check). */
  mismatches: number;
}

function modelSpec(
  name: string,
  set: DataSet,
  topics: { input: string; output: string },
  parallelism: number,
) {
  const columns = Object.fromEntries(set.rows[0]?.[0].map((_, j) => [`f${j}`, t.double()]) ?? []);
  const rows = table(
    "rows",
    { r: t.int(), i: t.int(), label: t.double(), ...columns, pt: proctime() },
    { connector: kafka({ topic: topics.input, format: "json", startupMode: "earliest-offset" }) },
  );
  const features = Object.keys(columns) as never[];
  const fn =
    set.kind === "classification"
      ? logisticRegression({ label: "label" as never, features, params: set.params })
      : linearRegression({ label: "label" as never, features, params: set.params });
  const learner = model("learner", rows, { key: ["r" as never], time: "pt" as never, fn });
  const out = table(
    "predictions",
    { r: t.int(), i: t.int(), prediction: t.double() },
    { connector: kafka({ topic: topics.output, format: "json" }) },
  );
  return defineJob({
    name: `bench-learn-${name.replaceAll("_", "-")}`,
    kafka: { bootstrapServers: stackEndpoints().kafkaBrokers.join(",") },
    config: { "parallelism.default": String(parallelism) },
    tables: [rows, out],
    models: [learner],
    inserts: [
      insertInto(
        out,
        // The feature columns are built at run time, so the row's type is widened here.
        from(learner).select((row) => {
          const r: Record<"r" | "i" | "prediction", Ex<"number">> = row as never;
          return { r: r.r, i: r.i, prediction: r.prediction };
        }),
      ),
    ],
  });
}

/** The compiled job of a data set's model (for printing its SQL). */
export function compiledFor(name: string, set: DataSet): CompiledJob {
  return compileJob(modelSpec(name, set, { input: "in", output: "out" }, 1));
}

interface Prediction {
  r: number;
  i: number;
  prediction: number | null;
}

/** Reads `expected` records from the topic; the Kafka timestamps of the first and last. */
async function readPredictions(topic: string, expected: number, timeoutMs: number) {
  const consumer = kafkaClient("sluice-bench-learn").consumer({ groupId: uniqueName("bench_learn") });
  const out: Prediction[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          out.push(JSON.parse(m.value?.toString("utf8") ?? "null") as Prediction);
          first = Math.min(first, Number(m.timestamp));
          last = Math.max(last, Number(m.timestamp));
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await consumer.disconnect();
  }
  return { out, first, last };
}

export async function replay(
  flink: FlinkClient,
  name: string,
  set: DataSet,
  options: { replicas: number; parallelism: number },
): Promise<Replay> {
  const topics = { input: uniqueName(`bench_learn_${name}`), output: uniqueName(`bench_learn_${name}_out`) };
  await createTopics([{ topic: topics.input, partitions: options.parallelism }, topics.output]);
  let jobId: string | undefined;
  try {
    const records = [];
    for (let r = 0; r < options.replicas; r++) {
      for (const [i, [x, label]] of set.rows.entries()) {
        const row: Record<string, number> = { r, i, label };
        x.forEach((v, j) => {
          row[`f${j}`] = v;
        });
        records.push({ key: String(r), value: JSON.stringify(row) });
      }
    }
    await produceRaw(topics.input, records);
    const compiled = compileJob(modelSpec(name, set, topics, options.parallelism));
    ({ jobId } = await flink.gateway.executeStatementSet(withFunctionsJar(compiled), {
      sets: { "pipeline.name": uniqueName(`bench-learn-${name}`) },
    }));
    await flink.rest.waitForJobRunning(jobId, { timeoutMs: 120_000 });
    // Flink's own start time of the job (submission, before its tasks were deployed).
    const started = (await flink.rest.getJob(jobId))["start-time"];
    const { out, first, last } = await readPredictions(topics.output, records.length, 600_000);
    if (out.length < records.length)
      throw new Error(`${name}: ${out.length} of ${records.length} predictions arrived`);
    const byReplica = new Map<number, (number | null)[]>();
    for (const p of out) {
      const list = byReplica.get(p.r) ?? [];
      list[p.i] = p.prediction;
      byReplica.set(p.r, list);
    }
    const predictions = byReplica.get(0) ?? [];
    let mismatches = 0;
    for (const list of byReplica.values()) mismatches += list.filter((p, i) => p !== predictions[i]).length;
    return {
      predictions,
      records: out.length,
      totalSeconds: (last - started) / 1000,
      steadySeconds: (last - first) / 1000,
      mismatches,
    };
  } finally {
    if (jobId !== undefined) await stopJob(flink, jobId);
    await deleteTopics([topics.input, topics.output]);
  }
}
