import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  consumeAll,
  createTopic,
  deleteTopics,
  killComponent,
  stackEndpoints,
  stackSettings,
  stackUp,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countingSpec } from "../../test/counting-spec.ts";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * Recovery on the REAL stack: the only TaskManager is SIGKILLed while a checkpointing counting job
 * runs. The job must show a non-RUNNING state with the reason while no TaskManager exists, run
 * again once one is back, from its newest checkpoint (per-bucket counts continue, never restart
 * at 1), without spending Sluice's restart budget. Then the JobManager: UNKNOWN while it is down,
 * one resubmission from the newest retained checkpoint on disk once the cluster is back empty.
 *
 * It SIGKILLs processes of the stack, which would break any other file running against the same
 * stack at the time: it is in the `kill` project (vitest.config.ts), which runs after the others,
 * one file at a time. Alone: `npx vitest run --project kill <this file>`.
 */
const endpoints = stackEndpoints();
const TOKEN = "integration-token-123";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-recovery-int-"));
const name = `recovering-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
const topic = uniqueName("recovery_counts");

let app: FastifyInstance;
let flink: FlinkClientAdapter;

type Job = {
  state: string;
  reason?: string;
  flinkJobId: string | null;
  recovery: { checkpoints: boolean; interval: string | null; resumable: boolean };
};

async function getJob(): Promise<Job> {
  return (await app.inject({ url: `/v1/jobs/${name}` })).json() as Job;
}

/** Latest count per bucket (upsert stream: the last record per key wins). */
async function latestCounts(): Promise<Map<number, number>> {
  const records = await consumeAll(topic, {
    idleMs: 1_500,
    timeoutMs: 20_000,
    isolation: "read_uncommitted",
  });
  const counts = new Map<number, number>();
  for (const r of records) {
    const v = r.value as { bucket: number; cnt: number } | null;
    if (v) counts.set(v.bucket, v.cnt);
  }
  return counts;
}

async function completedCheckpoints(jobId: string): Promise<number> {
  const res = await fetch(`${endpoints.flinkRestUrl}/jobs/${jobId}/checkpoints`);
  return ((await res.json()) as { counts?: { completed?: number } }).counts?.completed ?? 0;
}

async function checkpointDir(): Promise<string | undefined> {
  const res = await fetch(`${endpoints.flinkRestUrl}/jobmanager/config`);
  const entries = (await res.json()) as Array<{ key: string; value: string }>;
  return entries.find((e) => e.key === "execution.checkpointing.dir")?.value;
}

async function eventsOf(type: string): Promise<Array<{ message: string; data: Record<string, unknown> }>> {
  const res = await app.inject({ url: `/v1/jobs/${name}/events?limit=1000` });
  return (
    res.json().events as Array<{ type: string; message: string; data: Record<string, unknown> }>
  ).filter((e) => e.type === type);
}

beforeAll(async () => {
  await createTopic(topic, 1);
  const config = loadConfig({
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: "500",
    SLUICE_RESTART_LIMIT: "2",
    SLUICE_RESTART_BACKOFF_MS: "1000",
    ...((await checkpointDir()) ? { SLUICE_CHECKPOINT_DIR: (await checkpointDir()) as string } : {}),
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  app = await buildApp({ config, flink, compiler: sluiceCompiler });
});

afterAll(async () => {
  // Bring the TaskManager back whatever happened, then remove what this file started.
  await stackUp(stackSettings(), () => undefined).catch(() => undefined);
  await app
    ?.inject({ method: "DELETE", url: `/v1/jobs/${name}?mode=cancel`, headers })
    .catch(() => undefined);
  const jobs = await flink.listJobs().catch(() => []);
  for (const j of jobs) {
    if (j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))
      await flink.cancel(j.id).catch(() => undefined);
  }
  await app?.close();
  await flink?.close();
  await deleteTopics([topic]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("a TaskManager or the JobManager dies (real processes, SIGKILL)", () => {
  it("shows the truth while none exists, then resumes from the newest checkpoint without spending the restart budget", async () => {
    const spec = {
      ...countingSpec(name, topic, endpoints.kafkaBrokers.join(",")),
      checkpoints: { interval: "1 s" },
    };
    expect((await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec })).statusCode).toBe(
      202,
    );
    const running = await waitFor(async () => ((await getJob()).state === "RUNNING" ? getJob() : undefined), {
      timeout: 60_000,
      interval: 300,
      description: "job RUNNING",
    });
    expect(running.recovery).toMatchObject({ checkpoints: true, interval: "1 s", resumable: true });
    const jobId = running.flinkJobId as string;
    await waitFor(async () => (await completedCheckpoints(jobId)) >= 2, {
      timeout: 30_000,
      interval: 500,
      description: "two completed checkpoints",
    });
    const beforeKill = await latestCounts();
    expect(beforeKill.size).toBeGreaterThan(0);

    const killedAt = Date.now();
    await killComponent(stackSettings(), "taskmanager-1", "SIGKILL");
    const down = await waitFor(
      async () => {
        const job = await getJob();
        return job.state !== "RUNNING" ? job : undefined;
      },
      { timeout: 90_000, interval: 200, description: "a non-RUNNING state after the kill" },
    );
    const noticedMs = Date.now() - killedAt;
    console.log(`[recovery] kill -> ${down.state} in ${noticedMs} ms: ${down.reason}`);
    expect(["STARTING", "RESTARTING", "DEGRADED"]).toContain(down.state);
    expect(down.reason).toMatch(/TaskManager|task slot|restarting/);

    const upAt = Date.now();
    await stackUp(stackSettings(), () => undefined);
    await waitFor(async () => ((await getJob()).state === "RUNNING" ? true : undefined), {
      timeout: 90_000,
      interval: 300,
      description: "RUNNING again once a TaskManager is back",
    });
    // Counts continue from the checkpoint: every bucket goes past where it was (never back to 1).
    const after = await waitFor(
      async () => {
        const counts = await latestCounts();
        return [...beforeKill].every(([b, c]) => (counts.get(b) ?? 0) > c) ? counts : undefined;
      },
      { timeout: 60_000, interval: 1_000, description: "counts continuing past the kill" },
    );
    console.log(
      `[recovery] TaskManager back -> output resumed in ${Date.now() - upAt} ms; kill -> resumed ${Date.now() - killedAt} ms`,
    );
    for (const [bucket, count] of beforeKill) expect(after.get(bucket)).toBeGreaterThan(count);
    const restarts = await eventsOf("restarting");
    const spent = restarts.filter((e) => e.data.free !== true).length;
    console.log(`[recovery] Sluice restarts: ${restarts.length}, restart budget spent: ${spent}`);
    expect(spent).toBe(0);
    const shown = (await eventsOf("state")).map((e) => e.message);
    console.log(`[recovery] shown states: ${shown.join(" | ")}`);
    expect(shown.some((m) => /-> (STARTING|RESTARTING|DEGRADED)/.test(m))).toBe(true);
  });

  it("the JobManager SIGKILLed: UNKNOWN while it is down, then resubmitted once from the newest retained checkpoint", async () => {
    const before = await getJob();
    const oldJobId = before.flinkJobId as string;
    await waitFor(async () => (await completedCheckpoints(oldJobId)) >= 1, {
      timeout: 30_000,
      interval: 500,
      description: "a completed checkpoint",
    });
    const beforeKill = await latestCounts();
    const killedAt = Date.now();
    await killComponent(stackSettings(), "jobmanager", "SIGKILL");
    const unknown = await waitFor(async () => ((await getJob()).state === "UNKNOWN" ? getJob() : undefined), {
      timeout: 30_000,
      interval: 200,
      description: "UNKNOWN while the JobManager is down",
    });
    console.log(`[recovery] JobManager killed -> UNKNOWN in ${Date.now() - killedAt} ms: ${unknown.reason}`);
    await stackUp(stackSettings(), () => undefined);
    const back = await waitFor(
      async () => {
        const job = await getJob();
        return job.state === "RUNNING" && job.flinkJobId !== oldJobId ? job : undefined;
      },
      {
        timeout: 120_000,
        interval: 300,
        description: "resubmitted and RUNNING after the JobManager restart",
      },
    );
    const detail = (await app.inject({ url: `/v1/jobs/${name}` })).json() as {
      runs: Array<{ flinkJobId: string; restoredFrom: string | null }>;
    };
    console.log(
      `[recovery] JobManager back -> RUNNING again in ${Date.now() - killedAt} ms from ${detail.runs[0]?.restoredFrom}`,
    );
    expect(detail.runs[0]?.restoredFrom).toMatch(/chk-\d+$/);
    // Exactly one active Flink job carries the name: nothing duplicated, nothing deleted.
    const active = (await flink.listJobs()).filter(
      (j) => j.name.startsWith(`sluice/${name}/`) && j.state === "RUNNING",
    );
    expect(active.map((j) => j.id)).toEqual([back.flinkJobId]);
    const after = await waitFor(
      async () => {
        const counts = await latestCounts();
        return [...beforeKill].every(([b, c]) => (counts.get(b) ?? 0) > c) ? counts : undefined;
      },
      { timeout: 60_000, interval: 1_000, description: "counts continuing past the JobManager kill" },
    );
    for (const [bucket, count] of beforeKill) expect(after.get(bucket)).toBeGreaterThan(count);
    const spent = (await eventsOf("restarting")).filter((e) => e.data.free !== true).length;
    expect(spent).toBe(0);
  });
});
