/**
 * Pipeline bench: how close the flagship jobs come to the hardware's limit. Generates the input
 * once, then for each job and parallelism, runs side by side (order rotated each repeat):
 *   (a) Kafka's consumer performance tool reading the input topic (the ceiling),
 *   (b) the job's statements with Flink's default configuration straight to the SQL Gateway,
 *   (c) the job through the Sluice API (with Sluice's performance defaults),
 *   (v) optionally, with `--variant key=value,...`: (b) with these session options (one candidate
 *       default measured on its own against Flink's defaults; printed as (v)/(b)).
 * Records/s of a Flink side = input records / (Kafka timestamp of the last output record - the
 * job's start). Checks (b) and (c) wrote the same records and prints (c)/(a) and (c)/(b), the
 * medians over `--repeats`.
 *
 *   node bench/pipeline/run.ts [--records 200000] [--partitions 2] [--parallelism 1,2]
 *     [--jobs sensor-anomalies,sensor-zscore,transactions-hourly] [--repeats 3] [--variant k=v,...]
 */
import { parseArgs } from "node:util";
import type { JobSpec } from "@sluice/flink-jobs";
import { sensorAnomalies, sensorZscore, transactionsHourly } from "@sluice/flink-jobs/jobs";
import { stackSettings } from "@sluice/stack";
import { stackEndpoints } from "@sluice/testkit";
import { generate } from "./input.ts";
import { consumerPerf, toolsClasspath } from "./kafka-perf.ts";
import { KafkaOutputs } from "./measure.ts";
import { ApiSide, type FlinkRun, viaGateway } from "./sides.ts";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "200000" },
    partitions: { type: "string", default: "2" },
    parallelism: { type: "string", default: "1,2" },
    jobs: { type: "string", default: "sensor-anomalies,sensor-zscore,transactions-hourly" },
    repeats: { type: "string", default: "1" },
    variant: { type: "string" },
  },
});
const records = Number(args.records);
const partitions = Number(args.partitions);
const parallelisms = (args.parallelism as string).split(",").map(Number);
const jobNames = (args.jobs as string).split(",");
const repeats = Number(args.repeats);
const variant = args.variant
  ? Object.fromEntries(args.variant.split(",").map((kv) => kv.split("=") as [string, string]))
  : undefined;

type JobName = "sensor-anomalies" | "sensor-zscore" | "transactions-hourly";
const JOBS: Record<
  JobName,
  {
    input: "sensor" | "transactions";
    spec: (o: { inputTopic: string; outputTopic: string; bootstrapServers: string }) => JobSpec;
  }
> = {
  "sensor-anomalies": { input: "sensor", spec: sensorAnomalies },
  "sensor-zscore": { input: "sensor", spec: sensorZscore },
  "transactions-hourly": { input: "transactions", spec: transactionsHourly },
};

const { flinkRestUrl, sqlGatewayUrl, kafkaBrokers } = stackEndpoints();
const endpoints = { restUrl: flinkRestUrl, sqlGatewayUrl };
const suffix = Date.now().toString(36);
const outputs = new KafkaOutputs(kafkaBrokers);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const rate = (run: FlinkRun) => records / ((run.output.lastTimestamp - run.times.start) / 1000);
const fromTasks = (run: FlinkRun) => records / ((run.output.lastTimestamp - run.times.tasksStarted) / 1000);
const k = (x: number) => `${(x / 1000).toFixed(0)}k/s`;

console.log(
  `pipeline bench: ${records} records, ${partitions} partitions, parallelism ${parallelisms.join(",")}, ` +
    `${repeats} repeat(s)${variant ? `, variant ${JSON.stringify(variant)}` : ""}; Flink ${flinkRestUrl}, Kafka ${kafkaBrokers.join(",")}`,
);
const settings = stackSettings();
const classpath = await toolsClasspath(settings);
const inputs: Record<string, { topic: string; rows: number }> = {};
for (const kind of new Set(jobNames.map((j) => JOBS[j as JobName].input))) {
  const topic = `bench_${kind}_${suffix}`;
  const t0 = performance.now();
  const options = { brokers: kafkaBrokers, records, partitions, java: settings.java, classpath };
  const { rows, bytes } = await generate(kind, topic, options);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `input ${topic}: ${records} records (+ ${rows - records} sentinels), ${bytes.toFixed(0)} bytes each, in ${seconds} s`,
  );
  inputs[kind] = { topic, rows };
}

type Side = "a" | "b" | "c" | "v";
const results = new Map<string, Record<Side, number[]>>();
const api = await ApiSide.start(endpoints);
try {
  {
    // Warm-up, not counted: the first job on a fresh TaskManager loads the connector's classes.
    const name = jobNames[0] as JobName;
    const outputTopic = `bench_out_warmup_${suffix}`;
    await outputs.createTopic(outputTopic, partitions);
    const input = inputs[JOBS[name].input] as { topic: string };
    const spec = JOBS[name].spec({
      inputTopic: input.topic,
      outputTopic,
      bootstrapServers: kafkaBrokers.join(","),
    });
    await api.run(outputs, { ...spec, name: `bench-warmup-${suffix}` }, outputTopic);
    console.log(`  warm-up run of ${name} done (not counted)`);
  }
  for (let rep = 0; rep < repeats; rep++) {
    for (const p of parallelisms) {
      for (const name of jobNames) {
        const job = JOBS[name as JobName];
        const key = `${name} p=${p}`;
        const row = results.get(key) ?? { a: [], b: [], c: [], v: [] };
        results.set(key, row);
        const { topic: inputTopic, rows } = inputs[job.input] as { topic: string; rows: number };
        const flinkSide = async (side: "b" | "c" | "v"): Promise<FlinkRun> => {
          const outputTopic = `bench_out_${name.replace(/-/g, "_")}_${side}_${p}_${rep}_${suffix}`;
          await outputs.createTopic(outputTopic, partitions);
          const base = job.spec({ inputTopic, outputTopic, bootstrapServers: kafkaBrokers.join(",") });
          const spec: JobSpec = {
            ...base,
            name: `bench-${side}-${name}-${p}-${rep}-${suffix}`,
            config: { ...base.config, "parallelism.default": String(p) },
          };
          if (side === "c") return api.run(outputs, spec, outputTopic);
          return viaGateway(endpoints, outputs, spec, outputTopic, side === "v" ? variant : {});
        };
        const sides: Side[] = variant ? ["a", "b", "c", "v"] : ["a", "b", "c"];
        const order = sides.map((_, i) => sides[(i + rep) % sides.length] as Side);
        const runs: Partial<Record<Side, FlinkRun>> = {};
        for (const side of order) {
          if (side === "a") {
            const perf = await consumerPerf(settings, kafkaBrokers, inputTopic, rows);
            row.a.push(perf.fetchRecordsPerSecond);
            console.log(
              `  ${key} rep ${rep + 1} (a) kafka consumer: ${k(perf.fetchRecordsPerSecond)} (with group join ${k(perf.recordsPerSecond)})`,
            );
          } else {
            const run = await flinkSide(side);
            runs[side] = run;
            row[side].push(rate(run));
            console.log(
              `  ${key} rep ${rep + 1} (${side}) ${k(rate(run))} from job start, ${k(fromTasks(run))} from tasks started; ${run.output.values.length} output records`,
            );
          }
        }
        for (const other of ["c", "v"] as const) {
          const same = JSON.stringify(runs.b?.output.values) === JSON.stringify(runs[other]?.output.values);
          if (runs[other] && !same) console.log(`  !! ${key}: (b) and (${other}) outputs DIFFER`);
          else if (runs[other])
            console.log(
              `  ${key}: (b) and (${other}) outputs identical (${runs.b?.output.values.length} records)`,
            );
        }
      }
    }
  }
} finally {
  await api.close();
}

console.log(
  `\nmedians over ${repeats} repeat(s), records/s (loaded 2-core machine: compare ratios, not absolutes)`,
);
console.log(
  "| job | (a) Kafka consumer | (b) gateway, Flink defaults | (c) Sluice API | (c)/(a) | (c)/(b) |" +
    (variant ? " (v) (b) + variant | (v)/(b) |" : ""),
);
console.log(`|---|---|---|---|---|---|${variant ? "---|---|" : ""}`);
for (const [key, row] of results) {
  const [a, b, c, v] = [median(row.a), median(row.b), median(row.c), median(row.v)];
  const extra = variant ? ` ${k(v)} | ${(v / b).toFixed(2)} |` : "";
  console.log(
    `| ${key} | ${k(a)} | ${k(b)} | ${k(c)} | ${(c / a).toFixed(2)} | ${(c / b).toFixed(2)} |${extra}`,
  );
}
console.log(
  "\ngoals: sensor-anomalies p=1 (c)/(a) >= 0.5; sensor-zscore and transactions-hourly (c)/(b) >= 1.3",
);
