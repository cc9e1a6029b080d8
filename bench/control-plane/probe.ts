/**
 * Where the API's time goes with many jobs: a CPU profile of each phase, in process and one
 * request at a time (no concurrency, so each figure is the work of the request itself).
 *
 *   node bench/control-plane/probe.ts [--jobs 1000] [--passes 3] [--requests 20] [--top 15]
 *
 * Phases: reconcile passes (`reconciler.tick()`, loop stopped), `GET /v1/jobs` (the default page
 * and the whole list) and `GET /v1/jobs/{name}`. Flink is SIMULATED (simulated-flink.ts).
 */
import { parseArgs } from "node:util";
import { describeFrames, profiled } from "./cpu-profile.ts";
import { jobName, managedApi } from "./managed.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000" },
    passes: { type: "string", default: "3" },
    requests: { type: "string", default: "20" },
    top: { type: "string", default: "15" },
  },
});
const size = Number(args.jobs);
const top = Number(args.top);
// A long interval with the loop stopped: reads serve the last pass's observation, as in production.
const managed = await managedApi(size, 600_000);
const { app, sim } = managed;

async function phase(title: string, times: number, fn: () => Promise<void>): Promise<void> {
  await fn(); // warm-up
  const before = sim.total();
  const { frames, ms } = await profiled(async () => {
    for (let i = 0; i < times; i++) await fn();
  });
  const calls = sim.total() - before;
  console.log(
    `\n${title}: ${(ms / times).toFixed(1)} ms each (${times} in ${ms.toFixed(0)} ms), ${calls / times} Flink REST calls each`,
  );
  console.log(describeFrames(frames, top));
}

async function get(url: string): Promise<void> {
  const res = await app.inject({ url });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
}

try {
  console.log(`probe: ${size} jobs on a SIMULATED Flink, in process, one request at a time`);
  await app.reconciler.tick();
  await phase("reconcile pass", Number(args.passes), async () => {
    await app.reconciler.tick();
  });
  const requests = Number(args.requests);
  await phase("GET /v1/jobs", requests, () => get("/v1/jobs"));
  await phase(`GET /v1/jobs?limit=${size}`, Math.max(1, Math.floor(requests / 4)), () =>
    get(`/v1/jobs?limit=${size}`),
  );
  await phase("GET /v1/jobs/{name}", requests, () => get(`/v1/jobs/${jobName(Math.floor(size / 2))}`));
  console.log(`\nFlink REST requests by route: ${JSON.stringify(Object.fromEntries(sim.requests))}`);
} finally {
  await managed.close();
}
