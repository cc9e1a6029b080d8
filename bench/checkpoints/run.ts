/**
 * Checkpointing cost benchmark: the same stateful job (bounded datagen -> GROUP BY key COUNT(*)
 * -> blackhole) run to completion with checkpoints effectively off (interval 1 h: none completes
 * within the run; the cluster may not disable them for a session), with Sluice's default (every
 * 10 s) and with an aggressive 1 s, alternated, in the same run. Prints the median records per
 * second of each and the ratio to "off".
 *
 *   node bench/checkpoints/run.ts [rows=300000] [runs=3]
 *
 * Needs a stack (npm run stack:up; the SLUICE_* port variables pick a private one).
 */
import { compileJob, jobSpecSchema } from "@sluice/flink-jobs";
import { stackFlinkClient, uniqueName } from "@sluice/testkit";

const rows = Number(process.argv[2] ?? 300_000);
const runs = Number(process.argv[3] ?? 3);
const VARIANTS = { off: "1 h", default: "10 s", "every 1 s": "1 s" } as const;

function statements(name: string): string[] {
  const spec = jobSpecSchema.parse({
    name,
    tables: [
      {
        name: "numbers",
        columns: [
          { kind: "physical", name: "k", type: { kind: "INT" } },
          { kind: "physical", name: "v", type: { kind: "BIGINT" } },
        ],
        connector: {
          kind: "datagen",
          rowsPerSecond: 10_000_000,
          numberOfRows: rows,
          properties: { "fields.k.min": "0", "fields.k.max": "9999" },
        },
      },
      {
        name: "sink",
        columns: [
          { kind: "physical", name: "k", type: { kind: "INT" } },
          { kind: "physical", name: "n", type: { kind: "BIGINT" } },
        ],
        connector: { kind: "blackhole" },
      },
    ],
    inserts: [
      {
        into: "sink",
        query: {
          kind: "select",
          from: { kind: "table", name: "numbers" },
          select: [
            { expr: { kind: "column", name: "k" } },
            { expr: { kind: "aggregate", fn: "COUNT" }, as: "n" },
          ],
          groupBy: [{ kind: "column", name: "k" }],
        },
      },
    ],
  });
  return compileJob(spec).statements.map((s) => s.sql);
}

const client = stackFlinkClient();

async function runOnce(interval: string): Promise<number> {
  const name = uniqueName("bench_ckpt").replaceAll("_", "-");
  const { jobId } = await client.gateway.executeStatementSet(statements(name), {
    sets: { "pipeline.name": name, "execution.checkpointing.interval": interval },
  });
  for (;;) {
    const job = await client.rest.getJob(jobId);
    if (job.state === "FINISHED") return (rows / (job["end-time"] - job["start-time"])) * 1000;
    if (["FAILED", "CANCELED"].includes(job.state)) throw new Error(`job ${jobId} ${job.state}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [label, interval] of Object.entries(VARIANTS)) {
    const rate = await runOnce(interval);
    results[label]?.push(rate);
    console.log(`run ${i + 1} ${label.padEnd(10)} ${Math.round(rate)} records/s`);
  }
}
const off = median(results.off ?? [1]);
console.log(`\n${rows} rows, ${runs} runs each, median records/s (job start to finish):`);
for (const label of Object.keys(VARIANTS)) {
  const m = median(results[label] ?? [0]);
  console.log(
    `  ${label.padEnd(10)} ${String(Math.round(m)).padStart(9)}  ratio to off ${(m / off).toFixed(2)}`,
  );
}
await client.close();
