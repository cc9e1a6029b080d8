/**
 * Control-plane bench: how the API's own cost grows with the number of jobs it manages (default
 * 50, 200 and 1,000). For each size, the API (in process, real store, reconciler and Flink
 * client) manages that many RUNNING jobs of a SIMULATED Flink (see simulated-flink.ts: a real
 * cluster on this machine holds a few dozen jobs) and the bench measures:
 *   - the reconcile pass: median and max of `--passes` passes, with the loop otherwise off;
 *   - GET /v1/jobs and GET /v1/jobs/{name} p50/p99 under concurrent load (autocannon in a child
 *     process, `--connections` connections for `--seconds` each) while the reconcile loop runs
 *     at its production interval (2 s);
 *   - the API's resident memory (RSS) after the load, and the Flink REST calls per second the
 *     API made during it.
 *
 *   node bench/control-plane/run.ts [--jobs 50,200,1000] [--seconds 10] [--connections 10] [--passes 7]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { buildApp, FlinkClientAdapter, loadConfig, sluiceCompiler } from "@sluice/api";
import { datagenToBlackhole } from "@sluice/testkit";
import { SimulatedFlink } from "./simulated-flink.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "50,200,1000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    passes: { type: "string", default: "7" },
  },
});
const sizes = (args.jobs as string).split(",").map(Number);
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const passes = Number(args.passes);
const RECONCILE_INTERVAL_MS = 2000;
const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Load {
  p50: number;
  p99: number;
  rps: number;
}

/** autocannon in its own process, so the load generator does not share the API's event loop. */
async function load(url: string): Promise<Load> {
  const { stdout } = await run(
    process.execPath,
    [autocannonBin, "-j", "-c", String(connections), "-d", String(seconds), url],
    { maxBuffer: 8 << 20 },
  );
  const result = JSON.parse(stdout) as {
    latency: { p50: number; p99: number };
    requests: { average: number };
    non2xx: number;
  };
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average };
}

interface Row {
  jobs: number;
  passP50: number;
  passMax: number;
  list: Load;
  one: Load;
  rssMb: number;
  restPerSecond: number;
}

async function measure(size: number): Promise<Row> {
  const sim = new SimulatedFlink();
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-cp-"));
  const config = loadConfig({
    SLUICE_API_AUTH: "none",
    SLUICE_FLINK_REST_URL: sim.url,
    SLUICE_SQL_GATEWAY_URL: sim.url,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    // The production interval (reads serve the last pass's observation while it is fresher).
    SLUICE_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
    SLUICE_LOG_LEVEL: "silent",
  });
  const flink = new FlinkClientAdapter({ restUrl: sim.url, sqlGatewayUrl: sim.url });
  const app = await buildApp({ config, flink, compiler: sluiceCompiler });
  try {
    // Passes one at a time first (loop stopped), then the loop again during the load.
    await app.reconciler.stop();
    const now = Date.now();
    for (let i = 0; i < size; i++) {
      const name = `job-${String(i).padStart(5, "0")}`;
      const validated = sluiceCompiler.validate(datagenToBlackhole({ name, rowsPerSecond: 1 }));
      if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
      const compiled = sluiceCompiler.compile(validated.spec);
      app.store.createJob(
        { name, spec: validated.spec, specHash: name, compiled, desiredState: "RUNNING" },
        now,
      );
      const flinkJobId = `${i.toString(16).padStart(32, "0")}`;
      app.store.recordRun({
        flinkJobId,
        jobName: name,
        version: 1,
        restoredFrom: null,
        operationId: null,
        submittedAt: now,
      });
      sim.add({ id: flinkJobId, name: `sluice/${name}/v1`, startTime: now });
    }
    await app.reconciler.tick();
    const durations: number[] = [];
    for (let i = 0; i < passes; i++) {
      const t0 = performance.now();
      const report = await app.reconciler.tick();
      durations.push(performance.now() - t0);
      if (!report.reachable || report.actions.length > 0)
        throw new Error(`pass ${i}: expected a quiet pass, got ${JSON.stringify(report).slice(0, 300)}`);
    }
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    app.reconciler.start();
    const before = sim.total();
    const t0 = performance.now();
    const list = await load(`${address}/v1/jobs`);
    const one = await load(`${address}/v1/jobs/job-${String(Math.floor(size / 2)).padStart(5, "0")}`);
    const restPerSecond = (sim.total() - before) / ((performance.now() - t0) / 1000);
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    return {
      jobs: size,
      passP50: median(durations),
      passMax: Math.max(...durations),
      list,
      one,
      rssMb,
      restPerSecond,
    };
  } finally {
    await app.close();
    await flink.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `control-plane bench: ${sizes.join(" / ")} jobs on a SIMULATED Flink REST API (bench/control-plane/simulated-flink.ts), ` +
    `${connections} connections x ${seconds} s per route, reconcile every ${RECONCILE_INTERVAL_MS} ms during the load`,
);
const rows: Row[] = [];
for (const size of sizes) {
  const row = await measure(size);
  rows.push(row);
  console.log(
    `  ${size} jobs: pass ${row.passP50.toFixed(1)} ms, GET /v1/jobs p99 ${row.list.p99} ms, GET /v1/jobs/{name} p99 ${row.one.p99} ms`,
  );
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
console.log(
  "\n| jobs | reconcile pass p50 (max) | GET /v1/jobs p50 / p99 (req/s) | GET /v1/jobs/{name} p50 / p99 (req/s) | API RSS | Flink REST calls/s |",
);
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.jobs} | ${ms(r.passP50)} (${ms(r.passMax)}) | ${r.list.p50} / ${r.list.p99} ms (${r.list.rps.toFixed(0)}) | ` +
      `${r.one.p50} / ${r.one.p99} ms (${r.one.rps.toFixed(0)}) | ${r.rssMb.toFixed(0)} MiB | ${r.restPerSecond.toFixed(1)} |`,
  );
}
const first = rows[0] as Row;
const last = rows.at(-1) as Row;
const growth = last.jobs / first.jobs;
console.log(
  `\ngrowth ${first.jobs} -> ${last.jobs} jobs (x${growth}): pass x${(last.passP50 / first.passP50).toFixed(1)}, ` +
    `GET /v1/jobs p50 x${(last.list.p50 / Math.max(first.list.p50, 1)).toFixed(1)}, GET /v1/jobs/{name} p50 x${(last.one.p50 / Math.max(first.one.p50, 1)).toFixed(1)}`,
);
console.log(`goals at 1,000 jobs: reconcile pass < 1 s; GET p99 < 50 ms (printed, not asserted)`);
