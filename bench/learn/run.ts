/**
 * Sluice's online models against River (the reference library for online machine learning) on
 * River's bundled data sets, on the REAL stack:
 *
 *   Phishing       StandardScaler | LogisticRegression     progressive accuracy and ROC AUC
 *   TrumpApproval  StandardScaler | LinearRegression       progressive MAE
 *
 * River runs in a venv this script makes under .sluice/bench (`pip install river==0.26.1`; a
 * benchmark-only dependency, never the product's). Its rows, in River's feature order, are
 * replayed through Kafka into a Sluice job (SDK → SQL Gateway → Flink) with the same
 * hyper-parameters; River's metrics then score Sluice's predictions too.
 *
 * Throughput, interleaved in the same run: each round measures River's predict_one/learn_one loop
 * (one Python thread, 3 s per data set), then one Flink job per data set and parallelism over the
 * data set replayed to ~`--rows` records (one model per replica, keyed). Medians over the rounds.
 *
 * Run (with the stack up): node bench/learn/run.ts [--rows 250000] [--rounds 3] [--parallelism 1,2]
 *   [--flink-option pipeline.object-reuse=true ...]   (each parallelism also run with these options: A/B)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@sluice/stack";
import { stackEndpoints, stackFlinkClient } from "@sluice/testkit";
import { taskManagerPid } from "./cpu.ts";
import { type DataSet, dropInput, type Input, replay, writeInput } from "./replay.ts";

const RIVER = "river==0.26.1";
const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "250000" },
    rounds: { type: "string", default: "3" },
    parallelism: { type: "string", default: "1,2" },
    "flink-option": { type: "string", multiple: true, default: [] },
    "tm-pid": { type: "string" },
    venv: { type: "string", default: join(repoRoot, ".sluice", "bench", "river-venv") },
  },
});
const targetRows = Number(values.rows);
const rounds = Number(values.rounds);
const parallelisms = values.parallelism.split(",").map(Number);
const flinkOptions = Object.fromEntries(values["flink-option"].map((kv) => kv.split("=", 2)));
/** The job variants of a round: each parallelism as is and, with --flink-option, with those options too. */
const variants = parallelisms.flatMap((p) => [
  { label: String(p), parallelism: p, sets: {} },
  ...(Object.keys(flinkOptions).length > 0
    ? [{ label: `${p} + options`, parallelism: p, sets: flinkOptions }]
    : []),
]);
const tmPid = await taskManagerPid(stackEndpoints().flinkRestUrl, values["tm-pid"]);

/** The venv's python, with River installed (once). */
function riverPython(venv: string): string {
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  try {
    execFileSync(python, ["-c", "import river"], { stdio: "ignore" });
  } catch {
    console.log(`installing ${RIVER} into ${venv}`);
    execFileSync(python, ["-m", "pip", "install", "-q", RIVER], { stdio: "inherit" });
  }
  return python;
}

type RiverSet = DataSet & { river: { metrics: Record<string, number>; predictions: number[] } };
interface Samples {
  river: number[];
  /** River's CPU µs per row. */
  riverCpu: number[];
  /** Per parallelism: rows/s from the first to the last prediction and from the job's start; CPU µs per row. */
  flink: Map<string, { steady: number[]; total: number[]; cpu: number[]; source: number[]; model: number[] }>;
  mismatches: number;
}

const python = riverPython(values.venv);
const work = join(repoRoot, ".sluice", "bench");
mkdirSync(work, { recursive: true });
const script = join(import.meta.dirname, "river_side.py");
const dumped = join(work, "learn-river.json");
console.log("River: progressive validation ...");
execFileSync(python, [script, "dump", dumped], { stdio: "inherit" });
const sets = JSON.parse(readFileSync(dumped, "utf8")) as Record<string, RiverSet>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmt = (v: number, digits = 4) => v.toFixed(digits);

/** CPU µs per row of the source threads (Kafka fetch, JSON) and of the model threads (OVER aggregate, sink). */
function cpuSplit(threads: Map<string, number>, records: number): [number, number] {
  let [source, model] = [0, 0];
  for (const [name, seconds] of threads) {
    if (name.startsWith("OverAggregate")) model += seconds;
    else source += seconds;
  }
  return [(1e6 * source) / records, (1e6 * model) / records];
}

/** One round: River's loop for every data set, then one Flink job per data set and parallelism. */
async function round(
  n: number,
  flink: ReturnType<typeof stackFlinkClient>,
  inputs: Input[],
  samples: Map<string, Samples>,
  predictions: Map<string, (number | null)[]>,
) {
  const river = JSON.parse(execFileSync(python, [script, "speed", "3"], { encoding: "utf8" })) as Record<
    string,
    { rowsPerSecond: number; cpuMicros: number }
  >;
  for (const input of inputs) {
    const s = samples.get(input.name) as Samples;
    const r = river[input.name] ?? { rowsPerSecond: Number.NaN, cpuMicros: Number.NaN };
    s.river.push(r.rowsPerSecond);
    s.riverCpu.push(r.cpuMicros);
    for (const v of variants) {
      const result = await replay(flink, input, {
        parallelism: v.parallelism,
        taskManagerPid: tmPid,
        sets: v.sets,
      });
      const f = s.flink.get(v.label) ?? { steady: [], total: [], cpu: [], source: [], model: [] };
      const cpu = (1e6 * result.cpu.seconds) / result.records;
      const [source, model] = cpuSplit(result.cpu.threads, result.records);
      f.source.push(source);
      f.model.push(model);
      f.steady.push(result.records / result.steadySeconds);
      f.total.push(result.records / result.totalSeconds);
      f.cpu.push(cpu);
      s.flink.set(v.label, f);
      s.mismatches += result.mismatches;
      if (!predictions.has(input.name)) predictions.set(input.name, result.predictions);
      if (process.env.SLUICE_BENCH_THREADS)
        for (const [thread, seconds] of result.cpu.threads) console.log(`  ${fmt(seconds, 2)} s  ${thread}`);
      console.log(
        `round ${n} ${input.name} p=${v.label}: River ${fmt(r.rowsPerSecond, 0)} rows/s, ${fmt(r.cpuMicros, 1)} CPU µs/row; Flink steady ${fmt(result.records / result.steadySeconds, 0)}, from start ${fmt(result.records / result.totalSeconds, 0)} rows/s, ${fmt(cpu, 1)} CPU µs/row in ${result.cpu.threads.size} threads (load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")})`,
      );
    }
  }
}

function printMetrics(predictions: Map<string, (number | null)[]>) {
  const runs = Object.fromEntries(
    Object.entries(sets).map(([name, set]) => [
      name,
      { kind: set.kind, labels: set.rows.map(([, y]) => y), predictions: predictions.get(name) ?? [] },
    ]),
  );
  const sluiceRuns = join(work, "learn-sluice.json");
  writeFileSync(sluiceRuns, JSON.stringify(runs));
  const sluice = JSON.parse(
    execFileSync(python, [script, "score", sluiceRuns], { encoding: "utf8" }),
  ) as Record<string, Record<string, number>>;
  console.log("\n| Data set | Metric | River | Sluice | Difference |");
  console.log("|---|---|---|---|---|");
  for (const [name, set] of Object.entries(sets)) {
    for (const [metric, river] of Object.entries(set.river.metrics)) {
      const ours = sluice[name]?.[metric] ?? Number.NaN;
      const diff =
        metric === "mae"
          ? `${fmt((100 * (ours - river)) / river, 2)} %`
          : `${fmt(100 * (ours - river), 2)} points`;
      console.log(`| ${name} | ${metric} | ${fmt(river)} | ${fmt(ours)} | ${diff} |`);
    }
    const ours = predictions.get(name) ?? [];
    const gap = Math.max(...set.river.predictions.map((p, i) => Math.abs(p - (ours[i] ?? Number.NaN))));
    console.log(
      `${name}: largest |River − Sluice| prediction over ${ours.length} rows: ${gap.toExponential(1)}`,
    );
  }
}

function printThroughput(inputs: Input[], samples: Map<string, Samples>) {
  const all = (xs: number[], digits = 0) => xs.map((x) => fmt(x, digits)).join(", ");
  console.log(
    `\nMedians of ${rounds} interleaved rounds (every value in brackets). Load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on 2 cores.`,
  );
  console.log(
    "| Data set (rows) | River loop, rows/s | Flink p | Flink steady, rows/s | Flink from job start, rows/s | Ratio steady | Ratio from start |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const input of inputs) {
    const s = samples.get(input.name) as Samples;
    const river = median(s.river);
    for (const [p, f] of s.flink) {
      const [steady, total] = [median(f.steady), median(f.total)];
      console.log(
        `| ${input.name} (${input.records}) | ${fmt(river, 0)} [${all(s.river)}] | ${p} | ${fmt(steady, 0)} [${all(f.steady)}] | ${fmt(total, 0)} [${all(f.total)}] | ${fmt(steady / river, 2)}× | ${fmt(total / river, 2)}× |`,
      );
    }
    if (s.mismatches > 0) console.log(`  warning: ${s.mismatches} predictions differ from replica 0's`);
  }
  console.log(
    "\nCPU time per row (River: its process; Flink: the job's task threads in the TaskManager, Kafka broker and producer I/O thread not counted)",
  );
  console.log(
    "| Data set | River, CPU µs/row | Flink p | Flink, CPU µs/row | of which source (Kafka fetch, JSON) | of which model + sink | River ÷ Flink |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const input of inputs) {
    const s = samples.get(input.name) as Samples;
    const river = median(s.riverCpu);
    for (const [p, f] of s.flink) {
      const cpu = median(f.cpu);
      console.log(
        `| ${input.name} | ${fmt(river, 1)} [${all(s.riverCpu, 1)}] | ${p} | ${fmt(cpu, 1)} [${all(f.cpu, 1)}] | ${fmt(median(f.source), 1)} | ${fmt(median(f.model), 1)} | ${fmt(river / cpu, 2)}× |`,
      );
    }
  }
}

const flink = stackFlinkClient();
const inputs: Input[] = [];
try {
  for (const [name, set] of Object.entries(sets)) {
    const replicas = Math.ceil(targetRows / set.rows.length);
    console.log(`writing ${name}: ${set.rows.length} rows × ${replicas} replicas ...`);
    inputs.push(await writeInput(name, set, { replicas, partitions: Math.max(...parallelisms) }));
  }
  const samples = new Map(
    inputs.map((i) => [i.name, { river: [], riverCpu: [], flink: new Map(), mismatches: 0 } as Samples]),
  );
  const predictions = new Map<string, (number | null)[]>();
  for (let n = 1; n <= rounds; n++) await round(n, flink, inputs, samples, predictions);
  printMetrics(predictions);
  printThroughput(inputs, samples);
  if (Object.keys(flinkOptions).length > 0) console.log(`"+ options": ${JSON.stringify(flinkOptions)}`);
} finally {
  for (const input of inputs) await dropInput(input);
  await flink.close();
}
