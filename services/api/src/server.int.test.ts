import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackEndpoints, uniqueName, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datagenSpec } from "../test/specs.ts";
import { FlinkClientAdapter } from "./flink/adapter.ts";

/**
 * The API as a real process (`node services/api/src/server.ts`) killed with SIGKILL in the
 * middle of a create and of a stop, then started again on the same store: no duplicate Flink
 * job, no lost job, the operation completes.
 */
const endpoints = stackEndpoints();
const TOKEN = "crash-test-token-42";
const dir = mkdtempSync(join(tmpdir(), "sluice-api-crash-"));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
const name = `crash-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
const flink = new FlinkClientAdapter({
  restUrl: endpoints.flinkRestUrl,
  sqlGatewayUrl: endpoints.sqlGatewayUrl,
});
let server: ChildProcess | undefined;
let output = "";

function startServer(): ChildProcess {
  const child = spawn(process.execPath, ["services/api/src/server.ts"], {
    cwd: join(import.meta.dirname, "../../.."),
    env: {
      ...process.env,
      SLUICE_API_PORT: String(port),
      SLUICE_API_TOKENS: TOKEN,
      SLUICE_DB_PATH: join(dir, "sluice.db"),
      SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
      SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
      SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
      SLUICE_RECONCILE_INTERVAL_MS: "300",
      SLUICE_SUBMIT_GRACE_MS: "10000",
      SLUICE_RESTART_LIMIT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return child;
}

async function up(): Promise<void> {
  server = startServer();
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, {
    timeout: 30_000,
    description: "the API up",
  });
}

async function kill(): Promise<void> {
  const child = server;
  if (!child) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  server = undefined;
}

/** The parts of API answers these tests read. */
interface ApiBody {
  state?: string;
  flinkJobId?: string;
  operation?: { kind: string; status: string } | null;
  lastOperation?: { kind: string; status: string } | null;
  savepoints?: Array<{ reason: string; flinkJobId: string }>;
  events?: unknown[];
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ApiBody };
}

/** Polls until the job's operation has started acting (status running), then returns. */
async function waitOperationRunning(kind: string): Promise<void> {
  await waitFor(
    async () => {
      const job = (await api("GET", `/v1/jobs/${name}`)).body;
      return job.operation?.kind === kind && job.operation.status === "running";
    },
    { timeout: 30_000, interval: 20, description: `${kind} operation running` },
  );
}

async function activeFlinkJobs() {
  return (await flink.listJobs()).filter(
    (j) => j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state),
  );
}

beforeAll(async () => {
  await up();
});

afterAll(async () => {
  await kill();
  for (const j of await activeFlinkJobs().catch(() => [])) await flink.cancel(j.id).catch(() => undefined);
  await flink.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the API killed with SIGKILL and restarted", () => {
  it("during a create: one Flink job, RUNNING, the submit operation done", async () => {
    const created = await api("POST", "/v1/jobs", datagenSpec(name));
    expect(created.status).toBe(202);
    await waitOperationRunning("submit");
    await kill();
    await up();
    const job = await waitFor(
      async () => {
        const j = (await api("GET", `/v1/jobs/${name}`)).body;
        return j.state === "RUNNING" && j.operation === null ? j : undefined;
      },
      { timeout: 60_000, interval: 300, description: "the job RUNNING after the restart" },
    );
    expect(job.lastOperation).toMatchObject({ kind: "submit", status: "succeeded" });
    // Give a resubmission, if there were one, time to show.
    await new Promise((r) => setTimeout(r, 3_000));
    const active = await activeFlinkJobs();
    expect(active.map((j) => j.id)).toEqual([job.flinkJobId]);
    expect(active[0]?.name).toBe(`sluice/${name}/v1`);
  });

  it("during a stop: the savepoint is recorded, the Flink job FINISHED, the job STOPPED", async () => {
    const running = (await api("GET", `/v1/jobs/${name}`)).body;
    const stopped = await api("POST", `/v1/jobs/${name}/stop`, {});
    expect(stopped.status).toBe(202);
    await waitOperationRunning("stop");
    await kill();
    await up();
    let last: ApiBody = {};
    const job = await waitFor(
      async () => {
        const j = (await api("GET", `/v1/jobs/${name}`)).body;
        last = j;
        return j.state === "STOPPED" && j.operation === null ? j : undefined;
      },
      { timeout: 60_000, interval: 300, description: "the job STOPPED after the restart" },
    ).catch(async (error) => {
      const events = (await api("GET", `/v1/jobs/${name}/events`)).body.events;
      throw new Error(`${error.message}\nlast: ${JSON.stringify(last)}\nevents: ${JSON.stringify(events)}`);
    });
    expect(job.lastOperation).toMatchObject({ kind: "stop", status: "succeeded" });
    expect(job.savepoints).toEqual([
      expect.objectContaining({ reason: "stop", flinkJobId: running.flinkJobId }),
    ]);
    expect((await flink.listJobs()).find((j) => j.id === running.flinkJobId)?.state).toBe("FINISHED");
    expect(await activeFlinkJobs()).toEqual([]);
    expect(output).not.toContain(TOKEN);
  });
});
