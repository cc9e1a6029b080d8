/**
 * Control-plane bench: how the API's own cost grows with the number of jobs it manages (default
 * 50, 200 and 1,000). For each size, in a process of its own (so its memory is its own), the API
 * (real store, reconciler and Flink client) manages that many RUNNING jobs of a SIMULATED Flink
 * (simulated-flink.ts: a real cluster on this machine holds a few dozen jobs) and the bench
 * measures (measure.ts):
 *   - the reconcile pass: median and max of `--passes` passes, with the loop otherwise off;
 *   - GET /v1/jobs (its default page), GET /v1/jobs?limit=<all> and GET /v1/jobs/{name} p50/p99
 *     under concurrent load (autocannon in a child process, `--connections` connections for
 *     `--seconds` each) while the reconcile loop runs at its production interval (2 s);
 *   - the API's resident memory (RSS) after the load, the Flink REST calls per second it made
 *     during it (by route), and the machine's 1-minute load average (the machine is shared).
 * `--real <max jobs>` adds a row on the REAL Flink of the shared stack (real.ts): as many tiny
 * datagen -> blackhole jobs as leave 8 task slots free, at most <max jobs>, submitted through the API.
 *
 *   node bench/control-plane/run.ts [--jobs 50,200,1000] [--seconds 10] [--connections 10] [--passes 7] [--real 16]
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { jobName, managedApi } from "./managed.ts";
import { measure, RECONCILE_INTERVAL_MS, type Row, table } from "./measure.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "50,200,1000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    passes: { type: "string", default: "7" },
    real: { type: "string" },
    help: { type: "boolean" },
    /** Internal: measure one row in this process and print it as JSON. */
    one: { type: "string" },
    "real-child": { type: "string" },
  },
});
const options = { seconds: Number(args.seconds), connections: Number(args.connections) };
const passes = Number(args.passes);

async function simulatedRow(size: number): Promise<Row> {
  const managed = await managedApi(size, RECONCILE_INTERVAL_MS);
  try {
    return await measure(
      {
        label: "simulated",
        app: managed.app,
        jobs: size,
        oneName: jobName(Math.floor(size / 2)),
        requests: () => managed.sim.requests,
      },
      passes,
      options,
    );
  } finally {
    await managed.close();
  }
}

/** Runs this file for one row in a child process: each size's memory is its own. */
async function child(flag: "one" | "real-child", value: string): Promise<Row> {
  const argv = [fileURLToPath(import.meta.url), `--${flag}`, value, "--seconds", String(options.seconds)];
  argv.push("--connections", String(options.connections), "--passes", String(passes));
  const { stdout } = await promisify(execFile)(process.execPath, argv, { maxBuffer: 8 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as Row;
}

const USAGE = `npm run bench:control-plane -- [--jobs 50,200,1000] [--seconds 10] [--connections 10] [--passes 7] [--real <max jobs>]

  --jobs         sizes to measure (simulated Flink), each in a process of its own; repeat a size to run it twice
  --seconds      load per route (autocannon), --connections at once
  --passes       reconcile passes timed per size (loop stopped)
  --real         also a row on the shared stack's REAL Flink: that many datagen -> blackhole jobs at most,
                 leaving 8 task slots free (submitted through the API, deleted at the end)
  Profile instead: node bench/control-plane/probe.ts --jobs 1000`;

if (args.help) {
  console.log(USAGE);
} else if (args.one !== undefined) {
  console.log(JSON.stringify(await simulatedRow(Number(args.one))));
} else if (args["real-child"] !== undefined) {
  const { realRow } = await import("./real.ts");
  console.log(JSON.stringify(await realRow(Number(args["real-child"]), passes, options)));
} else {
  const sizes = (args.jobs as string).split(",").map(Number);
  console.log(
    `control-plane bench: ${sizes.join(" / ")} jobs on a SIMULATED Flink REST API (bench/control-plane/simulated-flink.ts)` +
      `${args.real ? `, then a REAL Flink row (shared stack, at most ${args.real} jobs)` : ""}; ` +
      `${options.connections} connections x ${options.seconds} s per route, reconcile every ${RECONCILE_INTERVAL_MS} ms during the load`,
  );
  const rows: Row[] = [];
  for (const size of sizes) {
    const row = await child("one", String(size));
    rows.push(row);
    console.log(
      `  ${row.label} ${size} jobs: pass ${row.passP50.toFixed(1)} ms, GET /v1/jobs p99 ${row.list.p99} ms, ` +
        `GET /v1/jobs/{name} p99 ${row.one.p99} ms, Flink REST ${JSON.stringify(row.restByRoute)}`,
    );
  }
  if (args.real) {
    const row = await child("real-child", args.real);
    rows.push(row);
    console.log(`  real ${row.jobs} jobs: Flink REST ${JSON.stringify(row.restByRoute)}`);
  }
  console.log(`\n${table(rows)}`);
  const simulated = rows.filter((r) => r.label === "simulated");
  const first = simulated[0];
  const last = simulated.at(-1);
  if (first && last && last.jobs > first.jobs) {
    console.log(
      `\ngrowth ${first.jobs} -> ${last.jobs} jobs (x${last.jobs / first.jobs}): pass x${(last.passP50 / first.passP50).toFixed(1)}, ` +
        `GET /v1/jobs p50 x${(last.list.p50 / Math.max(first.list.p50, 1)).toFixed(1)}, ` +
        `GET /v1/jobs/{name} p50 x${(last.one.p50 / Math.max(first.one.p50, 1)).toFixed(1)}`,
    );
  }
  console.log("goals at 1,000 jobs: reconcile pass < 1 s; GET p99 < 50 ms (printed, not asserted)");
}
