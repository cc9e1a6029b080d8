/**
 * One row of the control-plane bench: the reconcile pass (loop stopped), then the read routes
 * under concurrent load while the loop runs at its production interval, the API's memory and
 * the Flink REST calls it made meanwhile (by route), with the machine's load average.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { promisify } from "node:util";
import type { buildApp } from "@sluice/api";

type App = Awaited<ReturnType<typeof buildApp>>;

export const RECONCILE_INTERVAL_MS = 2000;
const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export interface Load {
  p50: number;
  p99: number;
  rps: number;
}

export interface Row {
  label: string;
  jobs: number;
  passP50: number;
  passMax: number;
  /** GET /v1/jobs as clients call it (its default page). */
  list: Load;
  /** GET /v1/jobs?limit=<jobs>: every job in one answer (undefined when that is the default page). */
  full: Load | undefined;
  one: Load;
  rssMb: number;
  restPerSecond: number;
  restByRoute: Record<string, number>;
  /** 1-minute load average at the start and the end of the row. */
  load: [number, number];
}

export interface LoadOptions {
  seconds: number;
  connections: number;
}

/** autocannon in its own process, so the load generator does not share the API's event loop. */
async function load(url: string, options: LoadOptions): Promise<Load> {
  const { stdout } = await run(
    process.execPath,
    [autocannonBin, "-j", "-c", String(options.connections), "-d", String(options.seconds), url],
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

export interface Target {
  label: string;
  app: App;
  jobs: number;
  /** A job to GET. */
  oneName: string;
  /** Flink REST requests so far, by route. */
  requests(): Map<string, number>;
  /** Whether a pass is as expected (no action: every job runs as recorded). */
  quiet?: boolean;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export async function measure(target: Target, passes: number, options: LoadOptions): Promise<Row> {
  const { app } = target;
  const loadAtStart = loadavg()[0] as number;
  await app.reconciler.stop();
  await app.reconciler.tick();
  const durations: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    const report = await app.reconciler.tick();
    durations.push(performance.now() - t0);
    if (!report.reachable || (target.quiet !== false && report.actions.length > 0))
      throw new Error(`pass ${i}: expected a quiet pass, got ${JSON.stringify(report).slice(0, 300)}`);
  }
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  app.reconciler.start();
  const before = new Map(target.requests());
  const t0 = performance.now();
  const list = await load(`${address}/v1/jobs`, options);
  const full = target.jobs > 100 ? await load(`${address}/v1/jobs?limit=${target.jobs}`, options) : undefined;
  const one = await load(`${address}/v1/jobs/${target.oneName}`, options);
  const seconds = (performance.now() - t0) / 1000;
  const after = target.requests();
  const restByRoute: Record<string, number> = {};
  for (const [route, n] of after) {
    const rate = (n - (before.get(route) ?? 0)) / seconds;
    if (rate > 0) restByRoute[route] = Number(rate.toFixed(2));
  }
  return {
    label: target.label,
    jobs: target.jobs,
    passP50: median(durations),
    passMax: Math.max(...durations),
    list,
    full,
    one,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    restPerSecond: (total(after) - total(before)) / seconds,
    restByRoute,
    load: [loadAtStart, loadavg()[0] as number],
  };
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const lat = (l: Load | undefined) => (l ? `${l.p50} / ${l.p99} ms (${l.rps.toFixed(0)})` : "= default page");

/** The rows as a Markdown table. */
export function table(rows: Row[]): string {
  return [
    "| Flink | jobs | reconcile pass p50 (max) | GET /v1/jobs p50 / p99 (req/s) | GET /v1/jobs?limit=all p50 / p99 (req/s) | GET /v1/jobs/{name} p50 / p99 (req/s) | API RSS | Flink REST calls/s | load avg (start-end) |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.jobs} | ${ms(r.passP50)} (${ms(r.passMax)}) | ${lat(r.list)} | ${lat(r.full)} | ${lat(r.one)} | ` +
        `${r.rssMb.toFixed(0)} MiB | ${r.restPerSecond.toFixed(1)} | ${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)} |`,
    ),
  ].join("\n");
}
