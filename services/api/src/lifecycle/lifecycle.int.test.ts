import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consumeAll, createTopic, deleteTopics, stackEndpoints, uniqueName, waitFor } from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countingSpec } from "../../test/counting-spec.ts";
import { datagenSpec } from "../../test/specs.ts";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * The lifecycle on the REAL stack (shared Flink session cluster and Kafka): create, stop with a
 * savepoint, start from it with its state, upgrade keeping state, a state-incompatible upgrade
 * that rolls back, a description-only change applied without touching Flink, a cancel from
 * outside, delete.
 */
const endpoints = stackEndpoints();
const TOKEN = "integration-token-123";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-api-int-"));
const suffix = uniqueName("x").replaceAll("_", "-").slice(2);
const name = `counting-${suffix}`;
const topic = uniqueName("api_counts");

let app: FastifyInstance;
let flink: FlinkClientAdapter;

type Job = {
  state: string;
  version: number;
  flinkJobId: string | null;
  flinkState: string | null;
  reason?: string;
  operation: unknown;
  lastOperation: { kind: string; status: string; error: string | null } | null;
  runs: Array<{ flinkJobId: string; version: number; restoredFrom: string | null }>;
  savepoints: Array<{ path: string; reason: string }>;
  versions: Array<{ version: number; status: string }>;
};

async function getJob(jobName = name): Promise<Job> {
  const res = await app.inject({ url: `/v1/jobs/${jobName}` });
  expect(res.statusCode).toBe(200);
  return res.json() as Job;
}

/** Waits until no operation is pending and the job shows `state`. */
async function settle(state: string, jobName = name, timeout = 120_000): Promise<Job> {
  return waitFor(
    async () => {
      const job = await getJob(jobName);
      return job.operation === null && job.state === state ? job : undefined;
    },
    { timeout, interval: 500, description: `job ${jobName} ${state}` },
  );
}

/** The types of the job's events, oldest first. */
async function eventTypes(): Promise<string[]> {
  const res = await app.inject({ url: `/v1/jobs/${name}/events?limit=1000` });
  return (res.json().events as Array<{ type: string }>).map((e) => e.type);
}

/** Waits for an event of `type`. */
async function eventually(type: string): Promise<void> {
  const description = `a ${type} event`;
  await waitFor(async () => (await eventTypes()).includes(type), {
    timeout: 10_000,
    interval: 200,
    description,
  });
}

/** Latest count per bucket in the topic (upsert stream: the last record per key wins). */
async function latestCounts(): Promise<Map<number, number>> {
  const records = await consumeAll(topic, {
    idleMs: 2_000,
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

/** The state in /jobs/overview (GET /jobs/:id may lag behind by Flink's cache interval). */
async function flinkState(jobId: string): Promise<string | undefined> {
  return (await flink.listJobs()).find((j) => j.id === jobId)?.state;
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
    SLUICE_UPGRADE_VERIFY_MS: "5000",
    SLUICE_RESTART_LIMIT: "0",
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  app = await buildApp({ config, flink, compiler: sluiceCompiler });
});

afterAll(async () => {
  // Cancel whatever this file started (the TaskManager's slots are shared).
  const jobs = await flink.listJobs().catch(() => []);
  for (const j of jobs) {
    if (j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state)) {
      await flink.cancel(j.id).catch(() => undefined);
    }
  }
  await app?.close();
  await flink?.close();
  await deleteTopics([topic]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("job lifecycle on the real Flink", () => {
  let firstJobId: string;
  let stopSavepoint: string;
  let countsAtStop: Map<number, number>;

  it("create: the job runs in Flink under pipeline.name sluice/<name>/v1", async () => {
    const spec = countingSpec(name, topic, endpoints.kafkaBrokers.join(","));
    const res = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec });
    expect(res.statusCode).toBe(202);
    const job = await settle("RUNNING");
    firstJobId = job.flinkJobId as string;
    const overview = (await flink.listJobs()).find((j) => j.id === firstJobId);
    expect(overview).toMatchObject({ name: `sluice/${name}/v1`, state: "RUNNING" });
    // Same spec again: idempotent.
    const again = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec });
    expect(again.statusCode).toBe(200);
    await waitFor(async () => [...(await latestCounts()).values()].some((c) => c >= 20), {
      timeout: 60_000,
      interval: 1_000,
      description: "counts of at least 20",
    });
  });

  it("stop: a savepoint is recorded and the Flink job is FINISHED", async () => {
    const res = await app.inject({ method: "POST", url: `/v1/jobs/${name}/stop`, headers, payload: {} });
    expect(res.statusCode).toBe(202);
    const job = await settle("STOPPED");
    expect(await flinkState(firstJobId)).toBe("FINISHED");
    expect(job.savepoints[0]).toMatchObject({ reason: "stop" });
    stopSavepoint = job.savepoints[0]?.path as string;
    expect(stopSavepoint).toMatch(/savepoint/);
    countsAtStop = await latestCounts();
    expect(countsAtStop.size).toBeGreaterThan(0);
  });

  it("start: runs again from that savepoint, and the counts continue instead of restarting at 1", async () => {
    const res = await app.inject({ method: "POST", url: `/v1/jobs/${name}/start`, headers, payload: {} });
    expect(res.statusCode).toBe(202);
    const job = await settle("RUNNING");
    expect(job.flinkJobId).not.toBe(firstJobId);
    expect(job.runs[0]).toMatchObject({ restoredFrom: stopSavepoint, version: 1 });
    const before = Math.max(...countsAtStop.values());
    // New records appear; each bucket's count went on from where it was.
    const after = await waitFor(
      async () => {
        const counts = await latestCounts();
        return [...counts.values()].some((c) => c > before + 10) ? counts : undefined;
      },
      { timeout: 60_000, interval: 1_000, description: "counts growing after the restart" },
    );
    for (const [bucket, count] of countsAtStop) {
      expect(after.get(bucket) ?? 0).toBeGreaterThan(count);
    }
  });

  it("upgrade (PUT): the new version starts from the upgrade savepoint and keeps counting", async () => {
    const countsBefore = await latestCounts();
    const spec = countingSpec(name, topic, endpoints.kafkaBrokers.join(","), { rowsPerSecond: 30 });
    const res = await app.inject({ method: "PUT", url: `/v1/jobs/${name}`, headers, payload: spec });
    expect(res.statusCode).toBe(202);
    const job = await settle("RUNNING");
    expect(job).toMatchObject({ version: 2, lastOperation: { kind: "upgrade", status: "succeeded" } });
    const upgradeSavepoint = job.savepoints.find((s) => s.reason === "upgrade");
    expect(upgradeSavepoint).toBeDefined();
    expect(job.runs[0]).toMatchObject({ version: 2, restoredFrom: upgradeSavepoint?.path });
    const overview = (await flink.listJobs()).find((j) => j.id === job.flinkJobId);
    expect(overview?.name).toBe(`sluice/${name}/v2`);
    const after = await waitFor(
      async () => {
        const counts = await latestCounts();
        return [...countsBefore].every(([b, c]) => (counts.get(b) ?? 0) > c) ? counts : undefined;
      },
      { timeout: 60_000, interval: 1_000, description: "counts continuing after the upgrade" },
    );
    expect(after.size).toBe(countsBefore.size);
  });

  it("an upgrade that would drop state is refused before anything stops, with the verdict", async () => {
    const before = await getJob();
    const spec = countingSpec(name, topic, endpoints.kafkaBrokers.join(","), {
      rowsPerSecond: 30,
      filter: true,
    });
    const res = await app.inject({ method: "PUT", url: `/v1/jobs/${name}`, headers, payload: spec });
    expect(res.statusCode).toBe(409);
    const problem = JSON.parse(res.body) as {
      code: string;
      detail: string;
      stateCompatibility: { verdict: string; operators: Array<{ operator: string; fate: string }> };
    };
    console.info(`state check refused the upgrade: ${problem.detail}`);
    expect(problem.code).toBe("STATE_LOSS_NOT_ALLOWED");
    expect(problem.stateCompatibility.verdict).toBe("compatible-with-state-loss");
    expect(problem.stateCompatibility.operators).toContainEqual(
      expect.objectContaining({ operator: "the aggregate grouped by bucket", fate: "dropped" }),
    );
    const job = await getJob();
    expect(job).toMatchObject({ version: 2, flinkJobId: before.flinkJobId, operation: null });
    expect(job.savepoints).toHaveLength(before.savepoints.length);
    expect(await flinkState(before.flinkJobId as string)).toBe("RUNNING");
  });

  it("a description-only PUT applies the new version to the same Flink job, without a savepoint", async () => {
    const before = await getJob();
    expect(before.version).toBe(2);
    const spec = {
      ...countingSpec(name, topic, endpoints.kafkaBrokers.join(","), { rowsPerSecond: 30 }),
      description: "counts per bucket, now described",
    };
    const res = await app.inject({ method: "PUT", url: `/v1/jobs/${name}`, headers, payload: spec });
    expect(res.statusCode).toBe(200);
    const job = await waitFor(
      async () => {
        const j = await getJob();
        return j.runs[0]?.version === 3 ? j : undefined;
      },
      { timeout: 30_000, interval: 500, description: "v3 applied to the running Flink job" },
    );
    // The refused upgrade recorded no version: the description-only change is v3.
    expect(job).toMatchObject({
      state: "RUNNING",
      version: 3,
      flinkJobId: before.flinkJobId,
      operation: null,
    });
    expect(job.runs).toHaveLength(before.runs.length);
    expect(job.savepoints).toHaveLength(before.savepoints.length);
    expect(await flinkState(before.flinkJobId as string)).toBe("RUNNING");
    expect(await eventTypes()).toContain("version-applied");
  });

  it("a job cancelled through the Flink REST API directly is noticed and shown FAILED with the reason", async () => {
    const job = await getJob();
    expect(await flinkState(job.flinkJobId as string)).toBe("RUNNING");
    await flink.cancel(job.flinkJobId as string);
    const seen = await waitFor(
      async () => {
        const j = await getJob();
        return j.state === "FAILED" ? j : undefined;
      },
      { timeout: 30_000, interval: 500, description: "the outside cancel noticed" },
    );
    expect(seen.reason).toContain("CANCELED, outside Sluice");
    // The state shows from the pass's listing; its event follows once the pass has read the job's exceptions.
    await eventually("flink-job-ended");
  });

  it("delete: the job is forgotten and nothing of it runs in Flink", async () => {
    const started = await app.inject({ method: "POST", url: `/v1/jobs/${name}/start`, headers, payload: {} });
    expect(started.statusCode).toBe(202);
    const job = await settle("RUNNING");
    const res = await app.inject({ method: "DELETE", url: `/v1/jobs/${name}`, headers });
    expect(res.statusCode).toBe(202);
    await waitFor(async () => (await app.inject({ url: `/v1/jobs/${name}` })).statusCode === 404, {
      timeout: 120_000,
      interval: 500,
      description: "the job deleted",
    });
    expect(await flinkState(job.flinkJobId as string)).toBe("FINISHED");
    const active = (await flink.listJobs()).filter(
      (j) => j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state),
    );
    expect(active).toEqual([]);
  });

  it("a dry run asks Flink to EXPLAIN without running anything", async () => {
    const before = (await flink.listJobs()).length;
    const res = await app.inject({
      method: "POST",
      url: "/v1/jobs?dryRun=true",
      headers,
      payload: datagenSpec(`dry-${suffix}`),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().plan).toContain("== Abstract Syntax Tree ==");
    expect((await flink.listJobs()).length).toBe(before);
  });
});
