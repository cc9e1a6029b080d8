import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTopics,
  deleteTopics,
  produceJson,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsSpec } from "../../test/flow-spec.ts";
import { CountingProxy, KafkaGate } from "../../test/proxies.ts";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * Flow metrics and conditions on the REAL stack, with the API's Flink REST calls going through a
 * counting proxy: a job whose filter drops every input turns DataFlowing False (NoOutput) and
 * back to True when output resumes; a job whose sink is blocked (its Kafka behind a closed gate)
 * lags (CaughtUp False, DataFlowing False) and catches up once the gate opens; flow metrics are
 * never served older than SLUICE_FLOW_MAX_AGE_MS, and GETs do not call Flink. The condition
 * thresholds are the jobs' own (their specs' `flow` section), not the API's env defaults (a
 * minute without output, 1000 records of lag), which would not judge within these tests' waits.
 */
const endpoints = stackEndpoints();
const brokers = endpoints.kafkaBrokers.join(",");
const TOKEN = "integration-token-flow";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-flow-int-"));
const suffix = uniqueName("x").replaceAll("_", "-").slice(2);
const filtering = `filtering-${suffix}`;
const blocked = `blocked-${suffix}`;
const topics = {
  filterIn: uniqueName("flow_filter_in"),
  filterOut: uniqueName("flow_filter_out"),
  blockedIn: uniqueName("flow_blocked_in"),
  blockedOut: uniqueName("flow_blocked_out"),
};
const FLOW = { intervalMs: 1_000, maxAgeMs: 10_000, noOutputMs: 4_000, maxLag: 100 };

let app: FastifyInstance;
let flink: FlinkClientAdapter;
let proxy: CountingProxy;
let gate: KafkaGate;

type Condition = { type: string; status: string; reason: string; message: string };
type Job = {
  state: string;
  conditions: Condition[];
  flow: {
    ageMs: number;
    readAt: string;
    sources: Array<{ table: string; recordsRead: number; lag: number | null }>;
    sinks: Array<{ table: string; recordsWritten: number }>;
  } | null;
};

async function getJob(name: string): Promise<Job> {
  const res = await app.inject({ url: `/v1/jobs/${name}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json() as Job;
}

const condition = (job: Job, type: string) => job.conditions.find((c) => c.type === type);

async function waitCondition(
  name: string,
  type: string,
  status: string,
  timeout = 30_000,
): Promise<Condition> {
  let last: Job | undefined;
  try {
    return await waitFor(
      async () => {
        last = await getJob(name);
        const c = condition(last, type);
        return c?.status === status ? c : undefined;
      },
      { timeout, interval: 250, description: `${type} ${status} on ${name}` },
    );
  } catch (error) {
    // What the job showed last says why (its flow and every condition).
    const seen = JSON.stringify({ flow: last?.flow, conditions: last?.conditions });
    throw new Error(`${(error as Error).message}; last seen: ${seen}`);
  }
}

const readings = (n: number, temperature: number) =>
  Array.from({ length: n }, (_, i) => ({ device_id: `sensor-${i % 7}`, temperature }));

/** Produces `n` readings every 250 ms until the returned stop() is called. */
function produceContinuously(topic: string, n: number, temperature: number): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await produceJson(topic, readings(n, temperature));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

beforeAll(async () => {
  await createTopics(Object.values(topics));
  ({ proxy, url: proxyUrl } = await CountingProxy.start(endpoints.flinkRestUrl));
  ({ gate, address: gateAddress } = await KafkaGate.start(endpoints.kafkaBrokers[0] as string));
  const config = loadConfig({
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_API_READ_AUTH: "false",
    SLUICE_FLINK_REST_URL: proxyUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: brokers,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: "500",
    SLUICE_RESTART_LIMIT: "0",
    SLUICE_FLOW_INTERVAL_MS: String(FLOW.intervalMs),
    SLUICE_FLOW_MAX_AGE_MS: String(FLOW.maxAgeMs),
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  app = await buildApp({ config, flink, compiler: sluiceCompiler });
  await app.ready();
});
let proxyUrl = "";
let gateAddress = "";

afterAll(async () => {
  const jobs = await flink?.listJobs().catch(() => []);
  for (const j of jobs ?? []) {
    const mine = j.name.startsWith(`sluice/${filtering}/`) || j.name.startsWith(`sluice/${blocked}/`);
    if (mine && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))
      await flink.cancel(j.id).catch(() => undefined);
  }
  await app?.close();
  await flink?.close();
  await proxy?.close();
  await gate?.close();
  await deleteTopics(Object.values(topics)).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("flow on the real stack", () => {
  it("starts both jobs", async () => {
    const a = alertsSpec(filtering, { input: topics.filterIn, output: topics.filterOut }, brokers);
    const b = alertsSpec(
      blocked,
      { input: topics.blockedIn, output: topics.blockedOut },
      brokers,
      gateAddress,
    );
    // Per-job thresholds over the API's defaults (SLUICE_FLOW_* left unset).
    const own = { noOutputMs: FLOW.noOutputMs, maxLagRecords: FLOW.maxLag };
    for (const spec of [a, b]) {
      const payload = { ...spec, flow: own };
      const res = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload });
      expect(res.statusCode).toBe(202);
      expect(res.json().flowThresholds).toMatchObject({ ...own, fromSpec: ["noOutputMs", "maxLagRecords"] });
    }
    // RUNNING, and read once (Flink reports per-table counts once records flowed).
    for (const name of [filtering, blocked]) {
      await waitFor(
        async () => {
          const job = await getJob(name);
          return job.state === "RUNNING" && job.flow !== null;
        },
        { timeout: 90_000, interval: 250, description: `${name} RUNNING with flow metrics` },
      );
    }
  });

  it("DataFlowing goes False when input flows and the filter drops all of it, and True when output resumes", async () => {
    const stop = produceContinuously(topics.filterIn, 20, 20.5);
    const started = Date.now();
    try {
      const c = await waitCondition(filtering, "DataFlowing", "False", 30_000);
      expect(c.reason).toBe("NoOutput");
      expect(c.message).toMatch(/^\d+ records read in the last 4 s, none written to alerts$/);
      // Within the configured time: the window, plus a read interval, plus the job's start.
      expect(Date.now() - started).toBeLessThan(FLOW.noOutputMs + 20_000);
    } finally {
      await stop();
    }
    await produceJson(topics.filterIn, readings(5, 120));
    const back = await waitCondition(filtering, "DataFlowing", "True");
    expect(back.reason).toBe("Writing");
    const job = await getJob(filtering);
    expect(job.flow?.sinks).toEqual([expect.objectContaining({ table: "alerts", recordsWritten: 5 })]);
    const events = (await app.inject({ url: `/v1/jobs/${filtering}/events?limit=1000`, headers })).json()
      .events as Array<{ type: string; message: string }>;
    const flowing = events.filter(
      (e) => e.type === "condition" && e.message.startsWith("DataFlowing False (NoOutput)"),
    );
    expect(flowing.length).toBeGreaterThanOrEqual(1);
  });

  it("a blocked sink: lag is reported, CaughtUp and DataFlowing are False; once released it catches up", async () => {
    await produceJson(topics.blockedIn, readings(5_000, 150));
    const lagging = await waitCondition(blocked, "CaughtUp", "False");
    expect(lagging.reason).toBe("Lagging");
    const job = await getJob(blocked);
    expect(job.flow?.sources[0]?.lag).toBeGreaterThan(FLOW.maxLag);
    const stalled = await waitCondition(blocked, "DataFlowing", "False");
    expect(["Stalled", "NoOutput"]).toContain(stalled.reason);

    gate.release();
    await waitCondition(blocked, "CaughtUp", "True", 60_000);
    await waitCondition(blocked, "DataFlowing", "True");
    const after = await getJob(blocked);
    expect(after.flow?.sources[0]).toMatchObject({ recordsRead: 5_000, lag: 0 });
  });

  it("GETs do not call Flink, and flow metrics are never older than the bound", async () => {
    const metricCalls = /\/metrics/;
    const readsBefore = app.reconciler.flow.stats.reads;
    const callsBefore = proxy.count(metricCalls);
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      const job = await getJob(i % 2 ? filtering : blocked);
      expect(job.flow).not.toBeNull();
      expect(job.flow?.ageMs).toBeLessThanOrEqual(FLOW.maxAgeMs);
    }
    const elapsed = Date.now() - started;
    const reads = app.reconciler.flow.stats.reads - readsBefore;
    const calls = proxy.count(metricCalls) - callsBefore;
    // At most one read of each job per interval, whatever the number of GETs.
    expect(reads).toBeLessThanOrEqual(2 * (Math.ceil(elapsed / FLOW.intervalMs) + 1));
    // Each read of a job: its job metrics plus one call per vertex (and a listing per vertex once a minute).
    expect(calls).toBeLessThanOrEqual(reads * 5);
    expect(calls).toBeLessThan(100);

    // With the loop stopped nothing is read any more: past the bound, no flow is served.
    await app.reconciler.stop();
    await new Promise((r) => setTimeout(r, FLOW.maxAgeMs + 200));
    const stale = await getJob(filtering);
    expect(stale.flow).toBeNull();
    expect(stale.conditions.every((c) => c.reason === "MetricsStale")).toBe(true);
  });
});
