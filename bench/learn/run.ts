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
 * hyper-parameters; River's metrics then score Sluice's predictions too. Throughput: records/s
 * through the Flink job (the data set replayed `--replicas` times, one model per replica) next to
 * River's predict_one/learn_one loop in one Python thread.
 *
 * Run (with the stack up): node bench/learn/run.ts [--replicas 100] [--parallelism 2]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@sluice/stack";
import { stackFlinkClient } from "@sluice/testkit";
import { type DataSet, replay } from "./replay.ts";

const RIVER = "river==0.26.1";
const { values } = parseArgs({
  options: {
    replicas: { type: "string", default: "100" },
    parallelism: { type: "string", default: "2" },
    venv: { type: "string", default: join(repoRoot, ".sluice", "bench", "river-venv") },
  },
});
const replicas = Number(values.replicas);
const parallelism = Number(values.parallelism);

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

type RiverSet = DataSet & {
  river: { metrics: Record<string, number>; predictions: number[]; rowsPerSecond: number };
};

const python = riverPython(values.venv);
const work = join(repoRoot, ".sluice", "bench");
mkdirSync(work, { recursive: true });
const script = join(import.meta.dirname, "river_side.py");
const dumped = join(work, "learn-river.json");
console.log("River: progressive validation and predict_one/learn_one throughput ...");
execFileSync(python, [script, "dump", dumped], { stdio: "inherit" });
const sets = JSON.parse(readFileSync(dumped, "utf8")) as Record<string, RiverSet>;

const flink = stackFlinkClient();
const runs: Record<string, { kind: string; labels: number[]; predictions: (number | null)[] }> = {};
const speed: Record<string, { records: number; total: number; steady: number; mismatches: number }> = {};
try {
  for (const [name, set] of Object.entries(sets)) {
    console.log(
      `Sluice: ${name} (${set.rows.length} rows × ${replicas} replicas, parallelism ${parallelism}) ...`,
    );
    const result = await replay(flink, name, set, { replicas, parallelism });
    runs[name] = { kind: set.kind, labels: set.rows.map(([, y]) => y), predictions: result.predictions };
    speed[name] = {
      records: result.records,
      total: result.records / result.totalSeconds,
      steady: result.records / result.steadySeconds,
      mismatches: result.mismatches,
    };
  }
} finally {
  await flink.close();
}
const sluiceRuns = join(work, "learn-sluice.json");
writeFileSync(sluiceRuns, JSON.stringify(runs));
const sluice = JSON.parse(
  execFileSync(python, [script, "score", sluiceRuns], { encoding: "utf8" }),
) as Record<string, Record<string, number>>;

const fmt = (v: number, digits = 4) => v.toFixed(digits);
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
}
for (const [name, set] of Object.entries(sets)) {
  const ours = runs[name]?.predictions ?? [];
  const gap = Math.max(...set.river.predictions.map((p, i) => Math.abs(p - (ours[i] ?? Number.NaN))));
  console.log(
    `${name}: largest |River prediction - Sluice prediction| over ${ours.length} rows: ${gap.toExponential(1)}`,
  );
}
console.log(
  "\n| Data set | River loop (rows/s, 1 thread) | Sluice job, steady (rows/s) | Sluice job, from submission (rows/s) | Ratio (steady) |",
);
console.log("|---|---|---|---|---|");
for (const [name, set] of Object.entries(sets)) {
  const s = speed[name];
  if (s === undefined) continue;
  console.log(
    `| ${name} | ${fmt(set.river.rowsPerSecond, 0)} | ${fmt(s.steady, 0)} | ${fmt(s.total, 0)} | ${fmt(s.steady / set.river.rowsPerSecond, 1)}× |`,
  );
  if (s.mismatches > 0)
    console.log(`  warning: ${s.mismatches} predictions of other replicas differ from replica 0's`);
}
console.log(
  `\n${Object.values(speed).reduce((n, s) => n + s.records, 0)} records through Flink; parallelism ${parallelism}, ${replicas} replicas.`,
);
