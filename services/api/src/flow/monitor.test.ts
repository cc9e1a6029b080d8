import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import type { RawFlowMetrics } from "../flink/port.ts";

/** Raw metrics as Flink shows a `readings -> alerts` job with a dead-letter sink. */
function raw(read: number, written: number, dead = 0, lag = 0): RawFlowMetrics {
  return {
    job: {
      numRestarts: 0,
      numberOfFailedCheckpoints: 0,
      numberOfCompletedCheckpoints: 3,
      lastCompletedCheckpointId: 3,
      lastCheckpointCompletedTimestamp: Date.parse("2026-01-01T00:00:00Z"),
      lastCheckpointDuration: 25,
      lastCheckpointSize: 900,
    },
    vertices: [
      {
        id: "v1",
        name: "Source: readings__raw[1] -> Calc[2] -> alerts[3]: Writer",
        metrics: {
          "Source__readings__raw[1].numRecordsOut": { sum: read, max: read },
          "Source__readings__raw[1].pendingRecords": { sum: lag, max: lag },
          "alerts[3]__Writer.numRecordsIn": { sum: written, max: written },
          "readings__dead_letters[4]__Writer.numRecordsIn": { sum: dead, max: dead },
          busyTimeMsPerSecond: { max: 250 },
          backPressuredTimeMsPerSecond: { max: 0 },
        },
      },
    ],
  };
}

const DB = "jdbc:postgresql://db:5432/shop";

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

/** A RUNNING job `flows` with flow reads every 5 s, metrics served for 12 s, no output judged after 20 s. */
async function runningJob(flow?: Record<string, number>): Promise<string> {
  t = await testApp({
    env: {
      SLUICE_FLOW_INTERVAL_MS: "5000",
      SLUICE_FLOW_MAX_AGE_MS: "12000",
      SLUICE_FLOW_NO_OUTPUT_MS: "20000",
    },
  });
  const spec = { ...datagenSpec("flows"), ...(flow ? { flow } : {}) };
  await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: spec });
  await t.tickUntil(() => t.store.latestRun("flows") !== undefined);
  // The passes above may have read the job before it had metrics: the next read is due in one interval.
  t.clock.advance(5_000);
  return t.store.latestRun("flows")?.flinkJobId as string;
}

/** One pass, and the flow read it started. */
async function pass(): Promise<void> {
  await t.tick();
  await t.app.reconciler.flow.stop();
}

const reads = () => t.flink.calls.filter((c) => c === "readFlowMetrics").length;
const job = async () => (await t.app.inject("/v1/jobs/flows")).json();

describe("flow monitor", { timeout: 15_000 }, () => {
  it("serves per-table flow and conditions from the last read, reading Flink at most once per interval", async () => {
    const id = await runningJob();
    t.flink.flowMetrics.set(id, raw(100, 10, 2, 5));
    await pass();
    const before = reads();
    for (let i = 0; i < 20; i++) await job();
    await t.app.inject("/v1/jobs");
    expect(reads()).toBe(before);
    t.clock.advance(4_000);
    await pass();
    expect(reads()).toBe(before);
    const body = await job();
    expect(body.flow).toMatchObject({
      flinkJobId: id,
      ageMs: 4_000,
      sources: [{ table: "readings", recordsRead: 100, deadLettered: 2, lag: 5 }],
      sinks: [{ table: "alerts", recordsWritten: 10 }],
      checkpoint: { id: 3, durationMs: 25, sizeBytes: 900 },
      busiest: { busyRatio: 0.25 },
    });
    const status = Object.fromEntries(
      body.conditions.map((c: { type: string; status: string }) => [c.type, c.status]),
    );
    expect(status).toEqual({
      DataFlowing: "True",
      CheckpointsHealthy: "True",
      NoDeadLetters: "False",
      CaughtUp: "True",
    });
    t.clock.advance(1_000);
    await pass();
    expect(reads()).toBe(before + 1);
  });

  it("never serves metrics older than the bound", async () => {
    const id = await runningJob();
    t.flink.flowMetrics.set(id, raw(1, 1));
    await pass();
    t.clock.advance(12_001);
    const body = await job();
    expect(body.flow).toBeNull();
    expect(body.conditions.map((c: { reason: string }) => c.reason)).toEqual(Array(4).fill("MetricsStale"));
  });

  it("turns DataFlowing False when input arrives and nothing is written, logs it, and recovers", async () => {
    const id = await runningJob();
    const at = (read: number, written: number) => {
      t.flink.flowMetrics.set(id, raw(read, written));
      t.clock.advance(5_000);
      return pass();
    };
    await at(10, 10);
    for (let i = 1; i <= 5; i++) await at(10 + i * 10, 10);
    const dataFlowing = async () =>
      (await job()).conditions.find((c: { type: string }) => c.type === "DataFlowing");
    expect(await dataFlowing()).toMatchObject({ status: "False", reason: "NoOutput" });
    await at(70, 11);
    expect(await dataFlowing()).toMatchObject({ status: "True", reason: "Writing" });
    const events = (await t.app.inject("/v1/jobs/flows/events?limit=1000")).json().events as Array<{
      type: string;
      message: string;
    }>;
    const changes = events.filter((e) => e.type === "condition" && e.message.startsWith("DataFlowing"));
    expect(changes.map((e) => e.message.split(":")[0])).toEqual([
      "DataFlowing True (Writing)",
      "DataFlowing False (NoOutput)",
      "DataFlowing True (Writing)",
    ]);
  });

  it("says SinkUnavailable while Flink restarts the job for its database, logs it, and recovers", async () => {
    t = await testApp({ env: { SLUICE_FLOW_INTERVAL_MS: "5000", SLUICE_FLOW_MAX_AGE_MS: "12000" } });
    const spec = datagenSpec("flows");
    const totals = {
      ...spec.tables[1],
      name: "totals",
      connector: { kind: "jdbc", url: DB, tableName: "t" },
    };
    const payload = {
      ...spec,
      tables: [spec.tables[0], totals],
      inserts: [{ ...spec.inserts[0], into: "totals" }],
    };
    await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload });
    await t.tickUntil(() => t.store.latestRun("flows") !== undefined);
    const id = t.store.latestRun("flows")?.flinkJobId as string;
    const sinkMetrics = (written: number, restarts: number, checkpointAt: number): RawFlowMetrics => ({
      job: {
        numRestarts: restarts,
        lastCompletedCheckpointId: 1,
        lastCheckpointCompletedTimestamp: checkpointAt,
      },
      vertices: [
        {
          id: "v",
          name: "Source: numbers[1] -> Sink: totals[3]",
          metrics: {
            "Source__numbers[1].numRecordsOut": { sum: 10 + written },
            "Sink__totals[3].numRecordsIn": { sum: written },
          },
        },
      ],
    });
    t.flink.flowMetrics.set(id, sinkMetrics(2, 0, t.clock.now()));
    t.clock.advance(5_000);
    await pass();

    t.flink.jobs.get(id)?.exceptionList.unshift({
      timestamp: t.clock.now(),
      message: "Connection to db:5432 refused. Check that the hostname and port are correct",
      taskName: "Source: numbers[1] -> Sink: totals[3] (1/1)",
      exceptionClasses: ["java.io.IOException", "org.postgresql.util.PSQLException"],
    });
    t.flink.setState(id, "RESTARTING");
    t.clock.advance(5_000);
    await pass();
    const down = await job();
    expect(down.state).toBe("RESTARTING");
    expect(down.reason).toContain(
      `restarting after database ${DB} unreachable for totals: Connection to db:5432 refused`,
    );
    expect(down.conditions.find((c: { type: string }) => c.type === "DataFlowing")).toMatchObject({
      status: "False",
      reason: "SinkUnavailable",
    });

    t.clock.advance(5_000);
    t.flink.setState(id, "RUNNING");
    t.flink.flowMetrics.set(id, sinkMetrics(2, 1, t.clock.now()));
    await pass();
    const back = await job();
    expect(back.state).toBe("RUNNING");
    expect(back.conditions.find((c: { type: string }) => c.type === "DataFlowing")).toMatchObject({
      status: "True",
      reason: "Writing",
    });
    const events = (await t.app.inject("/v1/jobs/flows/events?limit=1000")).json().events as Array<{
      type: string;
      message: string;
    }>;
    const flowing = events.filter((e) => e.type === "condition" && e.message.startsWith("DataFlowing"));
    expect(flowing.slice(-3).map((e) => e.message.split(":")[0])).toEqual([
      "DataFlowing True (Writing)",
      "DataFlowing False (SinkUnavailable)",
      "DataFlowing True (Writing)",
    ]);
    const states = events.filter((e) => e.type === "state").map((e) => e.message);
    expect(states.some((m) => m.startsWith("RUNNING -> RESTARTING: restarting after database"))).toBe(true);
  });

  it("exposes sluice_flow_* gauges with job, table and direction labels", async () => {
    const id = await runningJob();
    t.flink.flowMetrics.set(id, raw(100, 10, 2, 5));
    await pass();
    const text = (await t.app.inject("/metrics")).body;
    expect(text).toContain('sluice_flow_records_total{job="flows",table="readings",direction="in"} 100');
    expect(text).toContain('sluice_flow_records_total{job="flows",table="alerts",direction="out"} 10');
    expect(text).toContain(
      'sluice_flow_records_total{job="flows",table="readings",direction="dead_letter"} 2',
    );
    expect(text).toContain('sluice_flow_lag_records{job="flows",table="readings"} 5');
    expect(text).toContain('sluice_flow_condition{job="flows",condition="NoDeadLetters",status="False"} 1');
  });

  it("judges a job by its spec's flow thresholds; a PUT of other thresholds restarts nothing and counts at once", async () => {
    const id = await runningJob({ noOutputMs: 10_000 });
    const at = (read: number, written: number) => {
      t.flink.flowMetrics.set(id, raw(read, written));
      t.clock.advance(5_000);
      return pass();
    };
    const dataFlowing = async () =>
      (await job()).conditions.find((c: { type: string }) => c.type === "DataFlowing");
    expect((await job()).flowThresholds).toEqual({
      noOutputMs: 10_000,
      maxLagRecords: 1_000,
      checkpointMaxAgeMs: 600_000,
      deadLetterWindowMs: 300_000,
      fromSpec: ["noOutputMs"],
    });
    await at(10, 10);
    for (let i = 1; i <= 3; i++) await at(10 + i * 10, 10);
    // 15 s of input without output: past the job's 10 s (the API's 20 s would still be observing).
    expect(await dataFlowing()).toMatchObject({
      status: "False",
      reason: "NoOutput",
      message: expect.stringMatching(/^\d+ records read in the last 10 s, none written to alerts$/),
    });

    const put = await t.app.inject({
      method: "PUT",
      url: "/v1/jobs/flows",
      headers: auth,
      payload: { ...datagenSpec("flows"), flow: { noOutputMs: 60_000, maxLagRecords: 0 } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ version: 2, operation: null });
    await at(50, 10);
    expect(t.flink.calls).not.toContain("stopWithSavepoint");
    expect(t.flink.submissions).toHaveLength(1);
    expect((await job()).flowThresholds).toMatchObject({
      noOutputMs: 60_000,
      maxLagRecords: 0,
      fromSpec: ["noOutputMs", "maxLagRecords"],
    });
    // The next read judges by a minute: the first write (25 s ago) is recent again.
    expect(await dataFlowing()).toMatchObject({ status: "True", reason: "Writing" });
  });

  it("refuses invalid flow thresholds with the path of each problem", async () => {
    t = await testApp();
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: auth,
      payload: { ...datagenSpec("bad-flow"), flow: { noOutputMs: 10, maxLagRecords: -1, quiet: true } },
    });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().problems as Array<{ path: string }>).map((p) => p.path).sort();
    expect(paths).toEqual(["flow", "flow.maxLagRecords", "flow.noOutputMs"]);
  });
});
