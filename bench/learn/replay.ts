/**
 * Replays a data set through Kafka into a Sluice job with an online model (compiled by the SDK,
 * submitted through the SQL Gateway), and reads the predictions back with the times Kafka
 * stamped on them. The data set is written `replicas` times into one topic, one model per replica
 * (the key), once; every run is a new job reading that topic from its start to the offsets it
 * found at its start (a bounded source, so the job finishes by itself). Replica 0 gives the
 * metrics, all of them the throughput.
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
import { followThreads } from "./cpu.ts";

export interface DataSet {
  kind: "classification" | "regression";
  params: RegressionParams;
  features: string[];
  /** [features in `features`' order, label] */
  rows: [number[], number][];
}

/** A data set written `replicas` times into a topic of `partitions` partitions. */
export interface Input {
  name: string;
  set: DataSet;
  topic: string;
  replicas: number;
  records: number;
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
  /** CPU seconds of the job's task threads (sources, fetchers, model and sink), by thread. */
  cpu: { seconds: number; threads: Map<string, number> };
}

/** Table names, distinctive so that the TaskManager's thread names tell this job's tasks apart. */
const TABLES = { input: "learn_bench_rows", output: "learn_bench_predictions" };

function modelSpec(
  name: string,
  set: DataSet,
  topics: { input: string; output: string },
  parallelism: number,
) {
  const columns = Object.fromEntries(set.rows[0]?.[0].map((_, j) => [`f${j}`, t.double()]) ?? []);
  const rows = table(
    TABLES.input,
    { r: t.int(), i: t.int(), label: t.double(), ...columns, pt: proctime() },
    {
      connector: kafka({
        topic: topics.input,
        format: "json",
        startupMode: "earliest-offset",
        // Bounded: the job reads what the topic held at its start and then finishes.
        properties: { "scan.bounded.mode": "latest-offset" },
      }),
    },
  );
  const features = Object.keys(columns) as never[];
  const fn =
    set.kind === "classification"
      ? logisticRegression({ label: "label" as never, features, params: set.params })
      : linearRegression({ label: "label" as never, features, params: set.params });
  const learner = model("learner", rows, { key: ["r" as never], time: "pt" as never, fn });
  const out = table(
    TABLES.output,
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

/** Writes the data set `replicas` times (key: the replica, so each model's rows stay in order). */
export async function writeInput(
  name: string,
  set: DataSet,
  options: { replicas: number; partitions: number },
): Promise<Input> {
  const topic = uniqueName(`bench_learn_${name}`);
  await createTopics([{ topic, partitions: options.partitions }]);
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
  await produceRaw(topic, records);
  return { name, set, topic, replicas: options.replicas, records: records.length };
}

export function dropInput(input: Input): Promise<void> {
  return deleteTopics([input.topic]);
}

/** Replica 0's predictions and how many predictions of the other replicas differ from them. */
function byReplica(out: Prediction[]) {
  const replicas = new Map<number, (number | null)[]>();
  for (const p of out) {
    const list = replicas.get(p.r) ?? [];
    list[p.i] = p.prediction;
    replicas.set(p.r, list);
  }
  const predictions = replicas.get(0) ?? [];
  let mismatches = 0;
  for (const list of replicas.values()) mismatches += list.filter((p, i) => p !== predictions[i]).length;
  return { predictions, mismatches };
}

/** One job over the input at `parallelism`; waits for it to finish, then reads its predictions. */
export async function replay(
  flink: FlinkClient,
  input: Input,
  options: { parallelism: number; taskManagerPid: number; sets?: Record<string, string> },
): Promise<Replay> {
  const output = uniqueName(`bench_learn_${input.name}_out`);
  await createTopics([output]);
  let jobId: string | undefined;
  try {
    const compiled = compileJob(
      modelSpec(input.name, input.set, { input: input.topic, output }, options.parallelism),
    );
    const threads = followThreads(
      options.taskManagerPid,
      [`${TABLES.input}[`, `${TABLES.output}[`],
      3 * options.parallelism, // per subtask: source task, its Kafka fetcher, model + sink task
    );
    ({ jobId } = await flink.gateway.executeStatementSet(withFunctionsJar(compiled), {
      sets: { "pipeline.name": uniqueName(`bench-learn-${input.name}`), ...options.sets },
    }));
    // Flink's own start time of the job (submission, before its tasks were deployed).
    const job = await flink.rest.waitForJobState(jobId, ["FINISHED"], {
      timeoutMs: 600_000,
      pollIntervalMs: 200,
    });
    jobId = undefined;
    const cpu = await threads.stop();
    const { out, first, last } = await readPredictions(output, input.records, 120_000);
    if (out.length < input.records)
      throw new Error(`${input.name}: ${out.length} of ${input.records} predictions arrived`);
    return {
      ...byReplica(out),
      records: out.length,
      totalSeconds: (last - job["start-time"]) / 1000,
      steadySeconds: (last - first) / 1000,
      cpu,
    };
  } finally {
    if (jobId !== undefined) await stopJob(flink, jobId);
    await deleteTopics([output]);
  }
}
