/**
 * The stage of the TaskManager-kill acceptance tests (`*.kill.int.test.ts`): the Sluice API in
 * process against the real stack, two TaskManagers, a read_committed consumer that notes when
 * each output record arrived, a producer that says at which offset each input record landed,
 * and the Flink REST reads the tests need (where a job's tasks run, checkpoints, restarts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConsumedRecord,
  consumedRecord,
  kafkaClient,
  stackDown,
  stackEndpoints,
  stackSettings,
  stackUp,
  uniqueName,
} from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.ts";
import { sluiceCompiler } from "../src/compiler/sluice-compiler.ts";
import { loadConfig } from "../src/config.ts";
import { FlinkClientAdapter } from "../src/flink/adapter.ts";

const endpoints = stackEndpoints();
export const TOKEN = "integration-token-123";
export const headers = { authorization: `Bearer ${TOKEN}` };
const quiet = () => undefined;

async function flinkGet<T>(path: string): Promise<T> {
  const res = await fetch(`${endpoints.flinkRestUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

// ---------------------------------------------------------------------------
// The Sluice API, in process (as the existing recovery kill test runs it)
// ---------------------------------------------------------------------------

export interface Sluice {
  app: FastifyInstance;
  flink: FlinkClientAdapter;
  close(): Promise<void>;
}

/** The API on the real stack: fast reconcile passes, restart budget 2, retained checkpoints found on disk. */
export async function startSluice(): Promise<Sluice> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-kill-int-"));
  const jmConfig = await flinkGet<Array<{ key: string; value: string }>>("/jobmanager/config");
  const checkpointDir = jmConfig.find((e) => e.key === "execution.checkpointing.dir")?.value;
  const config = loadConfig({
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: "500",
    SLUICE_RESTART_LIMIT: "2",
    SLUICE_RESTART_BACKOFF_MS: "1000",
    ...(checkpointDir ? { SLUICE_CHECKPOINT_DIR: checkpointDir } : {}),
  });
  const flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  const app = await buildApp({ config, flink, compiler: sluiceCompiler });
  return {
    app,
    flink,
    async close() {
      await app.close();
      await flink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A job name no other run uses (a slug). */
export function jobName(prefix: string): string {
  return `${prefix}-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
}

export interface ShownJob {
  state: string;
  reason?: string;
  flinkJobId: string | null;
  sql: Array<{ kind: string; sql: string }>;
}

export async function shownJob(sluice: Sluice, name: string): Promise<ShownJob> {
  return (await sluice.app.inject({ url: `/v1/jobs/${name}` })).json() as ShownJob;
}

/** Submits `spec` through the API and waits until Sluice shows it RUNNING (every task running). */
export async function submitAndRun(sluice: Sluice, spec: { name: string }): Promise<ShownJob> {
  const res = await sluice.app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec });
  if (res.statusCode !== 202) throw new Error(`POST /v1/jobs answered ${res.statusCode}: ${res.body}`);
  return untilRunning(sluice, spec.name, 120_000);
}

export async function untilRunning(sluice: Sluice, name: string, timeoutMs: number): Promise<ShownJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await shownJob(sluice, name);
    if (job.state === "RUNNING") return job;
    if (Date.now() > deadline)
      throw new Error(`${name} not RUNNING after ${timeoutMs} ms: ${job.state} ${job.reason}`);
    await sleep(300);
  }
}

/** Deletes the job (cancel, no savepoint) and cancels any Flink job left with its name. */
export async function removeJob(sluice: Sluice, name: string): Promise<void> {
  await sluice.app.inject({ method: "DELETE", url: `/v1/jobs/${name}?mode=cancel`, headers }).catch(quiet);
  const jobs = await sluice.flink.listJobs().catch(() => []);
  for (const j of jobs) {
    if (j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))
      await sluice.flink.cancel(j.id).catch(quiet);
  }
}

/** Sluice's restart counter of the job and its `restarting` events (a free one spends no budget). */
export async function sluiceRestarts(sluice: Sluice, name: string) {
  const res = await sluice.app.inject({ url: `/v1/jobs/${name}/events?limit=1000` });
  const events = res.json().events as Array<{ type: string; message: string; data: { free?: boolean } }>;
  const restarts = events.filter((e) => e.type === "restarting");
  return {
    attempts: sluice.app.store.getJob(name)?.restartAttempts ?? 0,
    restarts: restarts.length,
    spent: restarts.filter((e) => e.data.free !== true).length,
    states: events.filter((e) => e.type === "state").map((e) => e.message),
  };
}

// ---------------------------------------------------------------------------
// Two TaskManagers
// ---------------------------------------------------------------------------

/** The stack's settings with at least two TaskManagers (CI's stack runs one unless told otherwise). */
export function twoTaskManagerSettings() {
  const base = stackSettings();
  return { ...base, taskManagers: Math.max(2, base.taskManagers) };
}

/** Starts what the two-TaskManager stack lacks; resolves to what it started (to stop at the end). */
export async function ensureTwoTaskManagers(): Promise<string[]> {
  const { started } = await stackUp(twoTaskManagerSettings(), (line) => console.log(`[stack] ${line}`));
  return started;
}

/** Brings back what died, then stops the TaskManagers this file added. */
export async function restoreStack(added: readonly string[]): Promise<void> {
  const settings = twoTaskManagerSettings();
  await stackUp(settings, quiet).catch(quiet);
  const extra = added.filter((n) => n.startsWith("taskmanager-"));
  if (extra.length > 0) await stackDown(settings, quiet, extra);
}

// ---------------------------------------------------------------------------
// Flink REST
// ---------------------------------------------------------------------------

/**
 * The launcher's TaskManager components (`taskmanager-2`) running a task of the Flink job, from
 * each subtask's resource id (the launcher names it `<component>-<start time>`).
 */
export async function taskManagersOf(flinkJobId: string): Promise<string[]> {
  const job = await flinkGet<{ vertices: Array<{ id: string }> }>(`/jobs/${flinkJobId}`);
  const names = new Set<string>();
  for (const v of job.vertices) {
    const detail = await flinkGet<{ subtasks: Array<{ "taskmanager-id": string }> }>(
      `/jobs/${flinkJobId}/vertices/${v.id}`,
    );
    for (const s of detail.subtasks) names.add(s["taskmanager-id"].replace(/-[a-z0-9]+$/, ""));
  }
  return [...names].sort();
}

export async function completedCheckpoints(flinkJobId: string): Promise<number> {
  const body = await flinkGet<{ counts?: { completed?: number } }>(`/jobs/${flinkJobId}/checkpoints`);
  return body.counts?.completed ?? 0;
}

/** Flink's own restarts of the job (`numRestarts`). */
export async function flinkRestarts(flinkJobId: string): Promise<number> {
  const metrics = await flinkGet<Array<{ id: string; value: string }>>(
    `/jobs/${flinkJobId}/metrics?get=numRestarts`,
  );
  return Number(metrics.find((m) => m.id === "numRestarts")?.value ?? 0);
}

/** When Flink noticed the failure (its first exception at or after `since`), or undefined. */
export async function failureNoticedAt(flinkJobId: string, since: number): Promise<number | undefined> {
  const body = await flinkGet<{ exceptionHistory?: { entries?: Array<{ timestamp: number }> } }>(
    `/jobs/${flinkJobId}/exceptions`,
  );
  const times = (body.exceptionHistory?.entries ?? []).map((e) => e.timestamp).filter((t) => t >= since);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** The consumer group of a Kafka source, as the job's compiled SQL names it. */
export function sourceGroupId(job: ShownJob, topic: string): string {
  for (const s of job.sql) {
    if (!s.sql.includes(`'topic' = '${topic}'`)) continue;
    const group = /'properties\.group\.id' = '([^']+)'/.exec(s.sql)?.[1];
    if (group) return group;
  }
  throw new Error(`no source on ${topic} with a consumer group in the job's SQL`);
}

// ---------------------------------------------------------------------------
// Kafka
// ---------------------------------------------------------------------------

export interface InputRecord {
  partition: number;
  value: string;
}

/**
 * Produces the records (idempotently, in order per partition) and returns the offset each
 * landed at, in the order given.
 */
export async function produceAt(topic: string, records: readonly InputRecord[]): Promise<bigint[]> {
  const producer = kafkaClient().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const offsets: bigint[] = new Array(records.length);
  try {
    const partitions = [...new Set(records.map((r) => r.partition))];
    for (const partition of partitions) {
      const indexes = records.flatMap((r, i) => (r.partition === partition ? [i] : []));
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: indexes.map((i) => ({ value: records[i]?.value ?? null, partition })),
      });
      const base = BigInt(meta?.baseOffset ?? "-1");
      indexes.forEach((recordIndex, k) => {
        offsets[recordIndex] = base + BigInt(k);
      });
    }
  } finally {
    await producer.disconnect();
  }
  return offsets;
}

/** The offsets a consumer group committed on `topic`, per partition (-1 when none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export interface Arrival {
  record: ConsumedRecord;
  /** When this consumer received it. */
  arrivedAt: number;
  /** The record's CreateTime: when the sink's producer wrote it. */
  writtenAt: number;
}

/** A read_committed consumer of a topic from its beginning that keeps every record with its times. */
export class TopicWatch {
  readonly arrivals: Arrival[] = [];
  private readonly stop: () => Promise<void>;
  private constructor(stop: () => Promise<void>) {
    this.stop = stop;
  }

  static async start(topic: string): Promise<TopicWatch> {
    const consumer = kafkaClient().consumer({ groupId: uniqueName("kill_watch"), readUncommitted: false });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const watch = new TopicWatch(() => consumer.disconnect());
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        watch.arrivals.push({
          record: consumedRecord(message, partition),
          arrivedAt: Date.now(),
          writtenAt: Number(message.timestamp),
        });
      },
    });
    const deadline = Date.now() + 30_000;
    while (!joined && Date.now() < deadline) await sleep(100);
    return watch;
  }

  get records(): ConsumedRecord[] {
    return this.arrivals.map((a) => a.record);
  }

  close(): Promise<void> {
    return this.stop();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
