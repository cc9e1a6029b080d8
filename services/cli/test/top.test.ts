import type { Job, JobList } from "@sluice/api-client";
import { describe, expect, it } from "vitest";
import { run } from "../src/commands.ts";
import { age, compact, conditionSummary, flowLines } from "../src/flow-format.ts";
import { formatJobList } from "../src/format.ts";
import { formatTop, topRows } from "../src/top.ts";
import { fakeApiPerTest, jobDetail } from "./fake-api.ts";

const conditions: Job["conditions"] = [
  {
    type: "DataFlowing",
    status: "False",
    reason: "NoOutput",
    message: "10009 records read in the last 60 s, none written to alerts",
    since: "2026-01-01T00:00:00.000Z",
  },
  {
    type: "CheckpointsHealthy",
    status: "True",
    reason: "Completing",
    message: "checkpoint 3 completed 4 s ago",
    since: "2026-01-01T00:00:00.000Z",
  },
  {
    type: "NoDeadLetters",
    status: "True",
    reason: "None",
    message: "none",
    since: "2026-01-01T00:00:00.000Z",
  },
  {
    type: "CaughtUp",
    status: "True",
    reason: "CaughtUp",
    message: "0 records behind",
    since: "2026-01-01T00:00:00.000Z",
  },
];

const flow: NonNullable<Job["flow"]> = {
  flinkJobId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
  readAt: "2026-01-01T00:00:05.000Z",
  ageMs: 1_200,
  sources: [
    {
      table: "readings",
      recordsRead: 10_009,
      bytesRead: 900_000,
      errors: 0,
      deadLettered: 3,
      lag: 12,
      watermarkLagMs: 2_500,
      readRate: 120,
    },
  ],
  sinks: [{ table: "alerts", recordsWritten: 0, lastWriteAt: null, writeRate: 0 }],
  checkpoint: {
    id: 3,
    completedAt: "2026-01-01T00:00:01.000Z",
    ageMs: 4_000,
    durationMs: 25,
    sizeBytes: 900,
  },
  checkpointFailures: 0,
  restarts: 1,
  busiest: {
    vertex: "Source: readings[1] -> Calc[2] -> alerts[3]: Writer",
    busyRatio: 0.25,
    backPressuredRatio: 0,
  },
};

const running = jobDetail({ name: "sensor-anomalies", conditions, flow });
const list: JobList = {
  jobs: [
    { ...running, conditions },
    { ...jobDetail({ name: "orders", state: "STOPPED", flinkState: "FINISHED" }), conditions: [] },
  ],
  strays: [],
  nextCursor: null,
};

describe("flow formatting", () => {
  it.each([
    [null, "-"],
    [12, "12"],
    [120.25, "120.3"],
    [12_345, "12.3k"],
    [2_500_000, "2.5M"],
  ])("compact(%s) = %s", (n, text) => {
    expect(compact(n)).toBe(text);
  });

  it.each([
    [850, "850ms"],
    [12_000, "12s"],
    [300_000, "5m"],
    [null, "-"],
  ])("age(%s) = %s", (ms, text) => {
    expect(age(ms)).toBe(text);
  });

  it("summarises conditions by the ones not True", () => {
    expect(conditionSummary(conditions)).toBe("DataFlowing=False(NoOutput)");
    expect(conditionSummary(conditions.slice(1))).toBe("ok");
    expect(conditionSummary([])).toBe("-");
  });

  it("sluice ls lists the conditions that are not True under the table", () => {
    const text = formatJobList(list);
    expect(text).toContain("\n  sensor-anomalies: DataFlowing=False(NoOutput)\n");
    expect(text).not.toContain("orders:");
  });

  it("sluice get shows the conditions and the flow per table", () => {
    const text = flowLines(running).join("\n");
    expect(text).toContain("DataFlowing         False   NoOutput");
    expect(text).toContain("Flow (read 2026-01-01T00:00:05.000Z, 1s ago):");
    expect(text).toMatch(/source {2}readings {2}10\.0k +120 +12 +3 +3s/);
    expect(text).toMatch(/sink {4}alerts {4}0 +0 +- +- +no write seen/);
    expect(text).toContain("Checkpoint: #3 4s ago, took 25ms, 900 bytes; failed checkpoints 0; restarts 1");
    expect(text).toContain("Busiest task: 25% busy, 0% back-pressured");
  });

  it("sluice get shows the thresholds the conditions are judged by, marking the job's own", () => {
    const flowThresholds = {
      noOutputMs: 10_000,
      maxLagRecords: 50_000,
      checkpointMaxAgeMs: 600_000,
      deadLetterWindowMs: 300_000,
      fromSpec: ["noOutputMs", "maxLagRecords"] as Array<"noOutputMs" | "maxLagRecords">,
    };
    expect(flowLines({ ...running, flowThresholds }).join("\n")).toContain(
      "  Judged by: no output 10s (job), lag 50.0k records (job), checkpoint age 10m, dead letters in 5m",
    );
  });
});

describe("sluice top", () => {
  it("renders one row per job with rates, lag, dead letters, checkpoint age and conditions", () => {
    const screen = formatTop(topRows(list, new Map([["sensor-anomalies", running]])), "sluice top");
    expect(screen).toBe(
      [
        "sluice top",
        "",
        "JOB               STATE    IN/S  OUT/S  LAG  DEAD  CHECKPOINT  CONDITIONS",
        "sensor-anomalies  RUNNING  120   0      12   3     4s          DataFlowing=False(NoOutput)",
        "orders            STOPPED  -     -      -    -     -           -",
        "",
      ].join("\n"),
    );
  });

  const api = fakeApiPerTest();
  const cli = async (...argv: string[]) => {
    let stdout = "";
    const code = await run(argv, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => undefined,
      env: { SLUICE_API_URL: api.url },
      cwd: ".",
    });
    return { code, stdout };
  };

  it("--json prints the rows once, reading the list and each running job's detail", async () => {
    api.fake.on("GET", "/v1/jobs", { status: 200, body: list });
    api.fake.on("GET", "/v1/jobs/sensor-anomalies", { status: 200, body: running });
    const { code, stdout } = await cli("top", "--json");
    expect(code).toBe(0);
    const body = JSON.parse(stdout);
    expect(body.jobs[0]).toMatchObject({
      name: "sensor-anomalies",
      inPerSecond: 120,
      lag: 12,
      deadLetters: 3,
      checkpointAgeMs: 4_000,
    });
    expect(api.fake.calls("GET", "/v1/jobs/orders")).toHaveLength(0);
  });

  it("--once prints one screen without clearing it; --interval must be a positive integer", async () => {
    api.fake.on("GET", "/v1/jobs", { status: 200, body: { jobs: [], strays: [] } });
    const once = await cli("top", "--once");
    expect(once).toMatchObject({ code: 0 });
    expect(once.stdout).toMatch(/^sluice top {2}\S+\n\nNo jobs\.\n$/);
    expect((await cli("top", "--interval", "0")).code).toBe(2);
  });
});
