/**
 * API overhead benchmark: median time from `POST /v1/jobs` to the job RUNNING (as the API
 * reports it), against submitting the same compiled statements straight to the SQL Gateway and
 * polling Flink's REST API until RUNNING. Same job, same cluster, runs alternated, printed side
 * by side with the ratio.
 *
 * Both sides stop the clock at the same event, Flink reporting the job's status RUNNING, read
 * with the same request (`GET /jobs/<id>`) at the same rate: the baseline polls every
 * STARTUP_WATCH_MS, the API watches a job it just submitted every STARTUP_WATCH_MS. The API's own
 * answer is read every API_POLL_MS through `GET /v1/jobs/<name>` (in process, no Flink call at
 * all), so that reading it adds no second, coarser polling loop to the API side.
 *
 * The SQL Gateway submission is the same code on both sides, and its time varies from run to run
 * far more than the API adds (bands ~50 ms apart), so the ratio of the two medians moves by
 * ±0.1 between runs of the bench. The bench therefore also prints each side's own time around
 * the submission, and the ratio with the submission time pooled across both sides.
 *
 *   node bench/api-overhead/run.ts [runs=21]
 *
 * Needs the dev stack (npm run stack:up). Every job it starts is cancelled.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildApp,
  FlinkClientAdapter,
  GATEWAY_POLL,
  loadConfig,
  STARTUP_WATCH_MS,
  sluiceCompiler,
} from "@sluice/api";
import { FlinkClient } from "@sluice/flink-client";
import { datagenToBlackhole } from "@sluice/testkit";

const runs = Number(process.argv[2] ?? 21);
const restUrl = process.env.SLUICE_FLINK_REST_URL ?? "http://127.0.0.1:8081";
const sqlGatewayUrl = process.env.SLUICE_SQL_GATEWAY_URL ?? "http://127.0.0.1:8083";
// The production default: a submission must not depend on the reconcile interval.
const intervalMs = Number(process.env.SLUICE_RECONCILE_INTERVAL_MS ?? 2000);
/** How often the baseline asks Flink for the job's state: as often as the API does. */
const POLL_MS = STARTUP_WATCH_MS;
/**
 * How often the bench reads the API's answer: an in-process request that never calls Flink (the
 * job's exceptions are served from the reconcile passes' copy), so reading it often costs little.
 */
const API_POLL_MS = 2;

function spec(name: string) {
  return datagenToBlackhole({ name, rowsPerSecond: 10, columns: [{ name: "n", type: { kind: "BIGINT" } }] });
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
// Instrumentation: when the API's submission (SQL Gateway session, statements, job id) starts and
// ends, and how long it held the statement set back waiting for the reconcile pass's listing of
// Flink jobs (the duplicate check, overlapped with the session and DDL): that wait is the API's own
// time, not the gateway's.
let submission: { start: number; end: number; held: number } | undefined;
const submit = flink.submit.bind(flink);
flink.submit = async (request) => {
  const start = performance.now();
  let held = 0;
  const check = request.beforeExecute;
  const timed = check && {
    ...request,
    beforeExecute: async () => {
      const t = performance.now();
      try {
        await check();
      } finally {
        held = performance.now() - t;
      }
    },
  };
  try {
    return await submit(timed ?? request);
  } finally {
    submission = { start, end: performance.now(), held };
  }
};
const app = await buildApp({ config, flink, compiler: sluiceCompiler });
// The baseline asks the SQL Gateway for statement results as often as the API does.
const client = new FlinkClient({ restUrl, sqlGatewayUrl, poll: GATEWAY_POLL });
const started: string[] = [];
const suffix = Date.now().toString(36);

/** One measurement in ms: total, before the SQL Gateway is called (plus any wait of the submission for the listing), the submission through it, after it until RUNNING is seen. */
interface Sample {
  total: number;
  before: number;
  gateway: number;
  after: number;
}

async function viaApi(i: number): Promise<Sample> {
  const name = `bench-api-${suffix}-${i}`;
  submission = undefined;
  const t0 = performance.now();
  const res = await app.inject({ method: "POST", url: "/v1/jobs", payload: spec(name) });
  if (res.statusCode !== 202) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
  for (;;) {
    const job = (await app.inject(`/v1/jobs/${name}`)).json();
    if (job.state === "RUNNING") {
      const t1 = performance.now();
      started.push(job.flinkJobId);
      const s = submission as { start: number; end: number; held: number } | undefined;
      if (!s) throw new Error("RUNNING without a submission");
      return {
        total: t1 - t0,
        before: s.start - t0 + s.held,
        gateway: s.end - s.start - s.held,
        after: t1 - s.end,
      };
    }
    if (job.state === "FAILED") throw new Error(`${name} FAILED: ${job.reason}`);
    await sleep(API_POLL_MS);
  }
}

async function direct(i: number): Promise<Sample> {
  const name = `bench-direct-${suffix}-${i}`;
  const validated = sluiceCompiler.validate(spec(name));
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
  const statements = sluiceCompiler.compile(validated.spec).statements.map((s) => s.sql);
  const t0 = performance.now();
  const { jobId } = await client.gateway.executeStatementSet(statements, {
    sets: { "pipeline.name": name },
    sessionName: name,
  });
  const submitted = performance.now();
  started.push(jobId);
  for (;;) {
    const job = await client.rest.getJob(jobId);
    if (job.state === "RUNNING") {
      const t1 = performance.now();
      return { total: t1 - t0, before: 0, gateway: submitted - t0, after: t1 - submitted };
    }
    await sleep(POLL_MS);
  }
}

/** Cancels the jobs and waits until Flink has released them, so the next run starts on a quiet cluster. */
async function cancelAll(ids: string[]): Promise<void> {
  for (const id of ids) await client.rest.cancel(id).catch(() => undefined);
  const deadline = performance.now() + 10_000;
  for (const id of ids) {
    while (performance.now() < deadline) {
      const job = await client.rest.getJob(id).catch(() => undefined);
      if (!job || ["CANCELED", "FAILED", "FINISHED"].includes(job.state)) break;
      await sleep(POLL_MS);
    }
  }
}

const api: Sample[] = [];
const baseline: Sample[] = [];
const ms = (x: number) => `${x.toFixed(0)} ms`;
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
    await cancelAll(started.splice(0));
    const a = api.at(-1) as Sample;
    const b = baseline.at(-1) as Sample;
    console.log(
      `run ${i + 1}/${runs}: api ${ms(a.total)} (before gateway ${ms(a.before)}, gateway ${ms(a.gateway)}, ` +
        `after ${ms(a.after)}); direct ${ms(b.total)} (gateway ${ms(b.gateway)}, after ${ms(b.after)})`,
    );
  }
} finally {
  await cancelAll(started);
  await app.close();
  await flink.close();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}

const m = (xs: Sample[], key: keyof Sample) => median(xs.map((x) => x[key]));
const a = m(api, "total");
const b = m(baseline, "total");
const col = (x: number) => ms(x).padStart(9);
console.log("");
console.log(
  `median over ${runs} runs (reconcile interval ${intervalMs} ms; Flink polled every ${POLL_MS} ms on both sides)`,
);
console.log(
  `${"".padEnd(50)}${"total".padStart(9)}${"before".padStart(9)}${"gateway".padStart(9)}${"after".padStart(9)}`,
);
console.log(
  `${"  Sluice API (POST /v1/jobs -> state RUNNING)".padEnd(50)}${col(a)}${col(m(api, "before"))}${col(m(api, "gateway"))}${col(m(api, "after"))}`,
);
console.log(
  `${"  SQL Gateway directly (statements -> RUNNING)".padEnd(50)}${col(b)}${col(0)}${col(m(baseline, "gateway"))}${col(m(baseline, "after"))}`,
);
console.log(`  ratio API / direct: ${(a / b).toFixed(2)}x (overhead ${(a - b).toFixed(0)} ms)`);
// The submission is the same call on both sides: pool its samples to take its noise out of the ratio.
const shared = median([...api, ...baseline].map((x) => x.gateway));
const own = median(api.map((x) => x.before + x.after));
const directOwn = m(baseline, "after");
console.log(
  `  API's own time (before + after the gateway): ${ms(own)} vs ${ms(directOwn)} for the baseline; ` +
    `with the gateway time pooled (${ms(shared)}): ratio ${((shared + own) / (shared + directOwn)).toFixed(2)}x`,
);
