import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConsumedRecord,
  consumeAll,
  createTopics,
  deleteTopics,
  produceRaw,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * Rescaling on the REAL stack, through the API as a user would: a job counting records per key
 * (GROUP BY key, keyed state) over a 4-partition topic runs at parallelism 1, is upgraded to 2,
 * then back to 1 (each a `savepoint-upgrade`: stop with a savepoint, submit the new version from
 * it; Flink redistributes keyed state by key group and the Kafka splits with their offsets).
 * Records are produced before each step. The upsert-kafka output, read with a read_committed
 * consumer, must show for every key exactly the counts 1, 2, ..., N (N = all records of the key):
 * a count lost across a rescale would show a gap or a restart at 1, a record counted twice a repeat.
 * Flink's vertices must run at the new parallelism, and the job view must say so.
 *
 * Needs 2 free task slots. Alone: `npx vitest run --project integration <this file>`.
 */
const endpoints = stackEndpoints();
const brokers = endpoints.kafkaBrokers.join(",");
const TOKEN = "integration-token-123";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-rescale-int-"));
const name = `rescale-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
const input = uniqueName("rescale_events");
const output = uniqueName("rescale_counts");
const PARTITIONS = 4;
const KEYS = Array.from({ length: 8 }, (_, i) => `account-${i}`);

let app: FastifyInstance;
let flink: FlinkClientAdapter;
/** Records produced so far per key: what each key's final count must be. */
const produced = new Map<string, number>(KEYS.map((k) => [k, 0]));

type Job = {
  state: string;
  version: number;
  flinkJobId: string | null;
  operation: unknown;
  lastOperation: { kind: string; status: string; error: string | null } | null;
  runs: Array<{ flinkJobId: string; version: number; restoredFrom: string | null }>;
  savepoints: Array<{ path: string; reason: string }>;
  recovery: { parallelism: number | null };
};

/** The counting job: `SELECT account, COUNT(*) AS cnt FROM events GROUP BY account` into upsert-kafka. */
function countingSpec(parallelism: number) {
  return {
    name,
    description: "counts records per key",
    parallelism,
    kafka: { bootstrapServers: brokers },
    tables: [
      {
        name: "events",
        columns: [{ kind: "physical", name: "account", type: { kind: "STRING" } }],
        connector: {
          kind: "kafka",
          topic: input,
          format: { kind: "json" },
          startupMode: "earliest-offset",
          errorPolicy: "fail",
        },
      },
      {
        name: "counts",
        columns: [
          { kind: "physical", name: "account", type: { kind: "STRING", nullable: false } },
          { kind: "physical", name: "cnt", type: { kind: "BIGINT" } },
        ],
        primaryKey: ["account"],
        connector: {
          kind: "upsert-kafka",
          topic: output,
          keyFormat: { kind: "json" },
          valueFormat: { kind: "json" },
        },
      },
    ],
    inserts: [
      {
        into: "counts",
        query: {
          kind: "select",
          from: { kind: "table", name: "events" },
          select: [
            { expr: { kind: "column", name: "account" } },
            { expr: { kind: "aggregate", fn: "COUNT" }, as: "cnt" },
          ],
          groupBy: [{ kind: "column", name: "account" }],
        },
      },
    ],
  };
}

/** Produces `perKey(i)` records for key i, each key on its own partition (i mod 4), so all 4 are used. */
async function produce(perKey: (i: number) => number): Promise<void> {
  const records = KEYS.flatMap((key, i) => {
    produced.set(key, (produced.get(key) ?? 0) + perKey(i));
    return Array.from({ length: perKey(i) }, () => ({
      key,
      value: JSON.stringify({ account: key }),
      partition: i % PARTITIONS,
    }));
  });
  await produceRaw(input, records);
}

/** Every count record of the output topic (read_committed), in partition order: per key, the order written. */
async function countRecords(): Promise<ConsumedRecord[]> {
  const records = await consumeAll(output, { idleMs: 1_500, timeoutMs: 20_000 });
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Per key, the counts in the order the job wrote them. */
function countSequences(records: ConsumedRecord[]): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const r of records) {
    const v = r.value as { account: string; cnt: number };
    sequences.set(v.account, [...(sequences.get(v.account) ?? []), v.cnt]);
  }
  return sequences;
}

/** Waits until every key's latest count reached what was produced, then checks each key's whole sequence. */
async function expectExactCounts(): Promise<void> {
  const sequences = await waitFor(
    async () => {
      const seqs = countSequences(await countRecords());
      return KEYS.every((k) => (seqs.get(k)?.at(-1) ?? 0) >= (produced.get(k) ?? 0)) ? seqs : undefined;
    },
    { timeout: 90_000, interval: 1_000, description: "every key's count to reach what was produced" },
  );
  for (const key of KEYS) {
    const n = produced.get(key) ?? 0;
    expect(sequences.get(key), key).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }
}

async function getJob(): Promise<Job> {
  const res = await app.inject({ url: `/v1/jobs/${name}` });
  expect(res.statusCode).toBe(200);
  return res.json() as Job;
}

/** Waits until no operation is pending and the job RUNS `version`. */
async function settleRunning(version: number): Promise<Job> {
  return waitFor(
    async () => {
      const job = await getJob();
      return job.operation === null && job.state === "RUNNING" && job.version === version ? job : undefined;
    },
    { timeout: 120_000, interval: 500, description: `job ${name} v${version} RUNNING` },
  );
}

interface Vertex {
  name: string;
  parallelism: number;
  maxParallelism: number;
}

/** The vertices of the Flink job, from Flink's REST API. */
async function vertices(flinkJobId: string): Promise<Vertex[]> {
  const res = await fetch(`${endpoints.flinkRestUrl}/jobs/${flinkJobId}`);
  return ((await res.json()) as { vertices: Vertex[] }).vertices;
}

/** Each vertex's max parallelism (key groups) in the first run: a restore must keep them. */
let firstMaxParallelism: number[] = [];

/** PUTs the spec at `parallelism` and waits until the upgrade ran from its savepoint. */
async function rescaleTo(parallelism: number, version: number): Promise<Job> {
  const before = await getJob();
  const res = await app.inject({
    method: "PUT",
    url: `/v1/jobs/${name}`,
    headers,
    payload: countingSpec(parallelism),
  });
  expect(res.statusCode, res.body).toBe(202);
  const job = await settleRunning(version);
  expect(job.lastOperation).toMatchObject({ kind: "upgrade", status: "succeeded" });
  expect(job.flinkJobId).not.toBe(before.flinkJobId);
  const known = new Set(before.savepoints.map((s) => s.path));
  const savepoint = job.savepoints.find((s) => s.reason === "upgrade" && !known.has(s.path));
  expect(savepoint).toBeDefined();
  expect(job.runs[0]).toMatchObject({ version, restoredFrom: savepoint?.path });
  return job;
}

/** The job view and every Flink vertex show `parallelism`; the key groups stay those of the first run. */
async function expectParallelism(job: Job, parallelism: number): Promise<void> {
  expect(job.recovery.parallelism).toBe(parallelism);
  const found = await vertices(job.flinkJobId as string);
  const shown = found.map((v) => `${v.name.slice(0, 40)}: ${v.parallelism}/${v.maxParallelism}`).join("; ");
  console.info(`[rescale] v${job.version} vertices (parallelism/max): ${shown}`);
  expect(found.length).toBeGreaterThan(0);
  expect(found.map((v) => v.parallelism)).toEqual(found.map(() => parallelism));
  if (firstMaxParallelism.length === 0) firstMaxParallelism = found.map((v) => v.maxParallelism);
  // Flink derives 128 key groups for a job first run at parallelism <= 85 and a restore keeps them.
  expect(found.map((v) => v.maxParallelism)).toEqual(firstMaxParallelism);
}

beforeAll(async () => {
  await createTopics([
    { topic: input, partitions: PARTITIONS },
    { topic: output, partitions: PARTITIONS },
  ]);
  const config = loadConfig({
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: brokers,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: "500",
    SLUICE_UPGRADE_VERIFY_MS: "3000",
    SLUICE_RESTART_LIMIT: "0",
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  app = await buildApp({ config, flink, compiler: sluiceCompiler });
});

afterAll(async () => {
  await app
    ?.inject({ method: "DELETE", url: `/v1/jobs/${name}?mode=cancel`, headers })
    .catch(() => undefined);
  const jobs = await flink?.listJobs().catch(() => []);
  for (const j of jobs ?? []) {
    if (j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))
      await flink.cancel(j.id).catch(() => undefined);
  }
  await app?.close();
  await flink?.close();
  await deleteTopics([input, output]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("rescaling a counting job 1 -> 2 -> 1 through the API", () => {
  it("runs at parallelism 1 and counts every record per key", async () => {
    await produce((i) => 3 + i);
    const res = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: countingSpec(1) });
    expect(res.statusCode, res.body).toBe(202);
    const job = await settleRunning(1);
    await expectParallelism(job, 1);
    await expectExactCounts();
  });

  it("upgraded to parallelism 2: the counts continue from the savepoint, none lost or repeated", async () => {
    // Produced before the upgrade: some are counted by the old job, the rest by the new one from its offsets.
    await produce((i) => 2 + (i % 3));
    const job = await rescaleTo(2, 2);
    await expectParallelism(job, 2);
    await produce((i) => 1 + (i % 2));
    await expectExactCounts();
  });

  it("upgraded back to parallelism 1: the counts still continue exactly", async () => {
    await produce((i) => 4 - (i % 4));
    const job = await rescaleTo(1, 3);
    await expectParallelism(job, 1);
    await produce(() => 2);
    await expectExactCounts();
    console.info(
      `[rescale] final counts per key: ${KEYS.map((k) => `${k}=${produced.get(k)}`).join(", ")} (runs: ${job.runs
        .map((r) => `v${r.version}`)
        .join(" <- ")})`,
    );
  });
});
