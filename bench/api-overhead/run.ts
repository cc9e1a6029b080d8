/**
 * API overhead benchmark: median time from `POST /v1/jobs` to the job RUNNING (as the API
 * reports it), against submitting the same compiled statements straight to the SQL Gateway and
 * polling Flink's REST API until RUNNING. Same job, same cluster, runs alternated, printed side
 * by side with the ratio.
 *
 *   node bench/api-overhead/run.ts [runs=5]
 *
 * Needs the dev stack (npm run stack:up). Every job it starts is cancelled.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, FlinkClientAdapter, loadConfig, sluiceCompiler } from "@sluice/api";
import { FlinkClient } from "@sluice/flink-client";

const runs = Number(process.argv[2] ?? 5);
const restUrl = process.env.SLUICE_FLINK_REST_URL ?? "http://127.0.0.1:8081";
const sqlGatewayUrl = process.env.SLUICE_SQL_GATEWAY_URL ?? "http://127.0.0.1:8083";
const intervalMs = Number(process.env.SLUICE_RECONCILE_INTERVAL_MS ?? 500);
const POLL_MS = 50;

function spec(name: string) {
  return {
    name,
    tables: [
      {
        name: "numbers",
        columns: [{ kind: "physical", name: "n", type: { kind: "BIGINT" } }],
        connector: { kind: "datagen", rowsPerSecond: 10 },
      },
      {
        name: "sink",
        columns: [{ kind: "physical", name: "n", type: { kind: "BIGINT" } }],
        connector: { kind: "blackhole" },
      },
    ],
    inserts: [
      {
        into: "sink",
        query: {
          kind: "select",
          from: { kind: "table", name: "numbers" },
          select: [{ expr: { kind: "column", name: "n" } }],
        },
      },
    ],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "sluice-bench-api-"));
const config = loadConfig({
  SLUICE_API_AUTH: "none",
  SLUICE_FLINK_REST_URL: restUrl,
  SLUICE_SQL_GATEWAY_URL: sqlGatewayUrl,
  SLUICE_DB_PATH: join(dir, "sluice.db"),
  SLUICE_RECONCILE_INTERVAL_MS: String(intervalMs),
  SLUICE_LOG_LEVEL: "silent",
});
const flink = new FlinkClientAdapter({ restUrl, sqlGatewayUrl });
const app = await buildApp({ config, flink, compiler: sluiceCompiler });
const client = new FlinkClient({ restUrl, sqlGatewayUrl });
const started: string[] = [];
const suffix = Date.now().toString(36);

async function viaApi(i: number): Promise<number> {
  const name = `bench-api-${suffix}-${i}`;
  const t0 = performance.now();
  const res = await app.inject({ method: "POST", url: "/v1/jobs", payload: spec(name) });
  if (res.statusCode !== 202) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
  for (;;) {
    const job = (await app.inject(`/v1/jobs/${name}`)).json();
    if (job.state === "RUNNING") {
      started.push(job.flinkJobId);
      return performance.now() - t0;
    }
    if (job.state === "FAILED") throw new Error(`${name} FAILED: ${job.reason}`);
    await sleep(POLL_MS);
  }
}

async function direct(i: number): Promise<number> {
  const name = `bench-direct-${suffix}-${i}`;
  const validated = sluiceCompiler.validate(spec(name));
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
  const statements = sluiceCompiler.compile(validated.spec).statements.map((s) => s.sql);
  const t0 = performance.now();
  const { jobId } = await client.gateway.executeStatementSet(statements, { sets: { "pipeline.name": name } });
  started.push(jobId);
  for (;;) {
    const job = (await client.rest.listJobs()).find((j) => j.jid === jobId);
    if (job?.state === "RUNNING") return performance.now() - t0;
    await sleep(POLL_MS);
  }
}

const api: number[] = [];
const baseline: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so that a warming cluster favours neither.
    if (i % 2 === 0) {
      api.push(await viaApi(i));
      baseline.push(await direct(i));
    } else {
      baseline.push(await direct(i));
      api.push(await viaApi(i));
    }
    for (const id of started.splice(0)) await client.rest.cancel(id).catch(() => undefined);
    console.log(
      `run ${i + 1}/${runs}: api ${api.at(-1)?.toFixed(0)} ms, direct ${baseline.at(-1)?.toFixed(0)} ms`,
    );
  }
} finally {
  for (const id of started) await client.rest.cancel(id).catch(() => undefined);
  await app.close();
  await flink.close();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}

const a = median(api);
const b = median(baseline);
console.log("");
console.log(
  `median time to RUNNING over ${runs} runs (reconcile interval ${intervalMs} ms, poll ${POLL_MS} ms)`,
);
console.log(`  Sluice API (POST /v1/jobs -> state RUNNING):      ${a.toFixed(0)} ms`);
console.log(`  SQL Gateway directly (statement set -> RUNNING): ${b.toFixed(0)} ms`);
console.log(`  ratio API / direct: ${(a / b).toFixed(2)}x (overhead ${(a - b).toFixed(0)} ms)`);
