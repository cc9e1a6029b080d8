/**
 * End to end: `node services/demo/src/start.ts` (what `npm start` runs) against the real stack,
 * with a fresh state folder and its own job names and topics (a suffix), so it can share the
 * stack with other tests. It must deploy the seven flagship jobs through the API, find anomalies
 * in the NAB series and themes in the reviews, and on SIGINT stop every job with a savepoint
 * and leave no process behind. The stack is given explicitly, so the demo never stops it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deleteTopics, freePort, stackEndpoints, waitFor } from "@sluice/testkit";
import { afterAll, expect, it } from "vitest";
import { demoTopics } from "../src/jobs.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
const suffix = `e2e${randomBytes(3).toString("hex")}`;
const jobNames = [
  "sensor-anomalies",
  "sensor-zscore",
  "review-themes",
  "transactions-hourly",
  "clicks-with-products",
  "sensor-forecast",
  "sensor-detectors",
].map((n) => `${n}-${suffix}`);
const token = randomBytes(18).toString("base64url");
const stateDir = mkdtempSync(join(tmpdir(), "sluice-demo-e2e-"));
const endpoints = stackEndpoints();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A child process whose output lines are kept, so the test can wait for marker lines. */
function run(script: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: the cleanup can end the child and anything it left, by group id.
    detached: true,
  });
  const lines: string[] = [];
  let partial = "";
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      done(exitCode);
    }),
  );
  return { child, lines, exited, exitCode: () => exitCode };
}

let demo: ReturnType<typeof run> | undefined;
let secondApi: ReturnType<typeof run> | undefined;

afterAll(async () => {
  for (const proc of [demo, secondApi]) {
    if (proc?.child.pid !== undefined && proc.exitCode() === undefined) {
      try {
        process.kill(-proc.child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  // Jobs a failed run may have left in Flink: only ours (their pipeline names carry the suffix).
  const overview = (await fetch(`${endpoints.flinkRestUrl}/jobs/overview`).then((r) => r.json())) as {
    jobs: { jid: string; name: string; state: string }[];
  };
  for (const job of overview.jobs) {
    if (job.name.includes(suffix) && !["FINISHED", "CANCELED", "FAILED"].includes(job.state)) {
      await fetch(`${endpoints.flinkRestUrl}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
    }
  }
  const topics = demoTopics(suffix);
  await deleteTopics([
    ...Object.values(topics),
    `${topics.reviewsWithThemes}.dlq`,
    `sluice.enricher.cache_${suffix}`,
  ]).catch(() => {});
  rmSync(stateDir, { recursive: true, force: true });
});

it("npm start deploys the flagship jobs through the API, finds anomalies and themes, and Ctrl-C stops every job with a savepoint", async () => {
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLUICE_STATE_DIR: stateDir,
    SLUICE_DEMO_SUFFIX: suffix,
    SLUICE_API_PORT: String(apiPort),
    SLUICE_API_TOKEN: token,
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    ENRICHER_HTTP_PORT: "0",
    SLUICE_DEMO_SENSOR_RATE: "400",
    SLUICE_DEMO_REFRESH_MS: "2000",
    SLUICE_DEMO_PLAIN: "1",
    OPENAI_API_KEY: "",
  };
  demo = run("services/demo/src/start.ts", env);
  const d = demo;
  const output = () => d.lines.join("\n");
  const line = (pattern: RegExp, description: string, timeout: number) =>
    waitFor(
      () => {
        if (d.exitCode() !== undefined) throw new Error(`the demo exited early:\n${output()}`);
        return d.lines.find((l) => pattern.test(l));
      },
      { timeout, interval: 500, description },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- demo output:\n${output().slice(-6000)}`);
    });

  // Started: the plain notice about the stand-in model, then the pids of its children.
  const pidsLine = await line(/^\[demo.*\] pids: /, "the pids line (all jobs RUNNING)", 200_000);
  expect(output()).toContain(
    "no OPENAI_API_KEY: using the built-in lexicon stand-in model server, not a language model",
  );
  const pids = Object.fromEntries(
    [...pidsLine.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]),
  ) as Record<string, number>;
  expect(Object.keys(pids).sort()).toEqual(["api", "demo", "enricher"]);

  // The main job: anomalies from the NAB series and themes from the reviews.
  const summary = await line(
    /^summary: .*anomalies=[1-9]\d* .*themes=[1-9]\d*/,
    "a summary with anomalies > 0 and themes > 0",
    150_000,
  );
  expect(summary).toMatch(/jobs=7\/7/);

  const auth = { authorization: `Bearer ${token}` };
  const states = async () => {
    const listed = (await fetch(`${apiUrl}/v1/jobs`, { headers: auth }).then((r) => r.json())) as {
      jobs: { name: string; state: string; flinkState: string | null }[];
    };
    const ours = listed.jobs.filter((j) => jobNames.includes(j.name));
    return ours.map((j) => [j.name, j.state]).sort();
  };
  // Shown state is the truth: a job whose tasks Flink is (re)deploying is STARTING for a moment, so
  // wait (bounded) until all seven are RUNNING rather than sampling once.
  const allRunning = jobNames.map((n) => [n, "RUNNING"]).sort();
  await waitFor(
    async () => (JSON.stringify(await states()) === JSON.stringify(allRunning) ? true : undefined),
    {
      timeout: 60_000,
      interval: 1_000,
      description: "every demo job RUNNING in GET /v1/jobs",
    },
  ).catch(() => undefined);
  expect(await states()).toEqual(allRunning);

  // Ctrl-C: every job stopped with a savepoint through the API, then every process gone.
  const interruptedAt = Date.now();
  process.kill(pids.demo as number, "SIGINT");
  const code = await Promise.race([d.exited, sleep(200_000).then(() => "timeout" as const)]);
  expect(code, output().slice(-4000)).toBe(0);
  for (const name of jobNames) {
    expect(output()).toMatch(new RegExp(`^\\[demo.*\\] stopped: ${name} savepoint=file:`, "m"));
  }
  await waitFor(() => Object.values(pids).every((pid) => !alive(pid)), {
    timeout: 10_000,
    description: "the demo, the API and the enricher to be gone",
  });

  // Through the API (a fresh instance on the demo's job store): each job STOPPED with a
  // savepoint taken after the interrupt.
  const port2 = await freePort();
  secondApi = run("services/api/src/server.ts", {
    ...process.env,
    SLUICE_API_PORT: String(port2),
    SLUICE_API_TOKENS: token,
    SLUICE_DB_PATH: join(stateDir, "api", "sluice.db"),
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SLUICE_LOG_LEVEL: "warn",
  });
  const api2 = `http://127.0.0.1:${port2}`;
  await waitFor(() => fetch(`${api2}/healthz`).then((r) => r.ok), {
    timeout: 30_000,
    description: "the second API",
  });
  for (const name of jobNames) {
    const job = await waitFor(
      async () => {
        const j = (await fetch(`${api2}/v1/jobs/${name}`, { headers: auth }).then((r) => r.json())) as {
          desiredState: string;
          state: string;
          flinkState: string | null;
        };
        return j.state === "UNKNOWN" ? undefined : j;
      },
      { timeout: 20_000, description: `${name} observed by the second API` },
    );
    expect([name, job.desiredState, job.state]).toEqual([name, "STOPPED", "STOPPED"]);
    const { savepoints } = (await fetch(`${api2}/v1/jobs/${name}/savepoints`, { headers: auth }).then((r) =>
      r.json(),
    )) as { savepoints: { path: string; kind: string; createdAt: string }[] };
    const taken = savepoints.filter(
      (s) => s.kind === "savepoint" && Date.parse(s.createdAt) >= interruptedAt - 1000,
    );
    expect(taken.length, `${name}: ${JSON.stringify(savepoints)}`).toBeGreaterThanOrEqual(1);
  }
  secondApi.child.kill("SIGTERM");
  await Promise.race([secondApi.exited, sleep(20_000)]);

  // And Flink agrees: none of the demo's jobs runs any more.
  const overview = (await fetch(`${endpoints.flinkRestUrl}/jobs/overview`).then((r) => r.json())) as {
    jobs: { name: string; state: string }[];
  };
  const stillRunning = overview.jobs.filter((j) => j.name.includes(suffix) && j.state === "RUNNING");
  expect(stillRunning).toEqual([]);
}, 300_000);
