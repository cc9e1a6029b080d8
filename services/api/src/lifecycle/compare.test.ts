import { describe, expect, it } from "vitest";
import type { FlinkJobSummary } from "../flink/port.ts";
import type { JobRecord, OperationRecord, RunRecord } from "../store/store.ts";
import { type Action, type CompareInput, compare, findStrays, restartDelay } from "./compare.ts";

const NOW = 1_000_000;
const job = (patch: Partial<JobRecord> = {}): JobRecord => ({
  name: "orders",
  desiredState: "RUNNING",
  currentVersion: 2,
  restartAttempts: 0,
  nextRestartAt: null,
  createdAt: 0,
  updatedAt: 0,
  ...patch,
});
const run = (id: string, patch: Partial<RunRecord> = {}): RunRecord => ({
  flinkJobId: id,
  jobName: "orders",
  version: 2,
  restoredFrom: null,
  operationId: null,
  submittedAt: 0,
  lastSeenState: "RUNNING",
  ...patch,
});
const flink = (id: string, state: string, version = 2, startTime = 0): FlinkJobSummary => ({
  id,
  name: `sluice/orders/v${version}`,
  state,
  startTime,
});
const op = { id: 7, kind: "stop" } as OperationRecord;
const restart = { limit: 3, backoffMs: 1000, backoffMaxMs: 10_000 };
/** v3 recorded while v2 runs as Flink job "a"; `change` is what v3 changes in the spec. */
const newVersion = (change: Record<string, unknown>): Omit<CompareInput, "now" | "restart"> => ({
  job: job({ currentVersion: 3 }),
  activeOperation: undefined,
  runs: [run("a")],
  observed: [flink("a", "RUNNING")],
  specs: {
    running: { name: "orders", description: "old" },
    current: { name: "orders", description: "old", ...change },
  },
});

const cases: Array<[string, Omit<CompareInput, "now" | "restart">, Action[]]> = [
  [
    "running as desired: nothing to do",
    { job: job(), activeOperation: undefined, runs: [run("a")], observed: [flink("a", "RUNNING")] },
    [],
  ],
  [
    "an operation in flight is advanced, nothing else",
    { job: job(), activeOperation: op, runs: [run("a")], observed: [flink("a", "RUNNING")] },
    [{ kind: "advance-operation", operationId: 7 }],
  ],
  [
    "cancelled outside Sluice: noted, not restarted",
    { job: job(), activeOperation: undefined, runs: [run("a")], observed: [flink("a", "CANCELED")] },
    [{ kind: "note-run-state", flinkJobId: "a", from: "RUNNING", to: "CANCELED" }],
  ],
  [
    "FAILED while desired RUNNING: noted and a restart scheduled with backoff",
    { job: job(), activeOperation: undefined, runs: [run("a")], observed: [flink("a", "FAILED")] },
    [
      { kind: "note-run-state", flinkJobId: "a", from: "RUNNING", to: "FAILED" },
      { kind: "schedule-restart", at: NOW + 1000, attempt: 1 },
    ],
  ],
  [
    "FAILED with no TaskManager: the restart waits, nothing planned, no attempt spent",
    {
      job: job({ nextRestartAt: NOW - 1, restartAttempts: 1 }),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FAILED" })],
      observed: [flink("a", "FAILED")],
      shortage: "waiting for 1 task slot: 0 TaskManagers registered",
    },
    [{ kind: "wait-for-slots", reason: "waiting for 1 task slot: 0 TaskManagers registered" }],
  ],
  [
    "FAILED because a TaskManager was lost, slots back: restarted at once, free",
    {
      job: job({ restartAttempts: 1 }),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FAILED" })],
      observed: [flink("a", "FAILED")],
      freeRestart: true,
    },
    [{ kind: "restart", attempt: 1, free: true }],
  ],
  [
    "restart time not reached: wait",
    {
      job: job({ nextRestartAt: NOW + 1, restartAttempts: 1 }),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FAILED" })],
      observed: [flink("a", "FAILED")],
    },
    [],
  ],
  [
    "restart time reached: restart",
    {
      job: job({ nextRestartAt: NOW, restartAttempts: 1 }),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FAILED" })],
      observed: [flink("a", "FAILED")],
    },
    [{ kind: "restart", attempt: 2 }],
  ],
  [
    "restart limit reached: give up once",
    {
      job: job({ restartAttempts: 3 }),
      activeOperation: undefined,
      runs: [run("a")],
      observed: [flink("a", "FAILED")],
    },
    [
      { kind: "note-run-state", flinkJobId: "a", from: "RUNNING", to: "FAILED" },
      { kind: "give-up", attempts: 3 },
    ],
  ],
  [
    "restart limit reached, already noted: nothing",
    {
      job: job({ restartAttempts: 3 }),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FAILED" })],
      observed: [flink("a", "FAILED")],
    },
    [],
  ],
  [
    "FAILED while desired STOPPED: noted only",
    {
      job: job({ desiredState: "STOPPED" }),
      activeOperation: undefined,
      runs: [run("a")],
      observed: [flink("a", "FAILED")],
    },
    [{ kind: "note-run-state", flinkJobId: "a", from: "RUNNING", to: "FAILED" }],
  ],
  [
    "Flink forgot the job (MISSING) while desired RUNNING: restart planned",
    { job: job(), activeOperation: undefined, runs: [run("a")], observed: [] },
    [
      { kind: "note-run-state", flinkJobId: "a", from: "RUNNING", to: "MISSING" },
      { kind: "schedule-restart", at: NOW + 1000, attempt: 1 },
    ],
  ],
  [
    "an unrecorded job runs the current version: adopt it rather than submit",
    {
      job: job(),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FINISHED" })],
      observed: [flink("a", "FINISHED"), flink("b", "RUNNING", 2, 5)],
    },
    [{ kind: "adopt", flinkJobId: "b", version: 2 }],
  ],
  [
    "an unrecorded job of an older version is not adopted",
    {
      job: job(),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: "FINISHED" })],
      observed: [flink("a", "FINISHED"), flink("b", "RUNNING", 1)],
    },
    [],
  ],
  [
    "duplicates: keep the newest recorded, report the others",
    {
      job: job(),
      activeOperation: undefined,
      runs: [run("b"), run("a")],
      observed: [flink("a", "RUNNING"), flink("b", "RUNNING"), flink("c", "RUNNING", 2, 9)],
    },
    [{ kind: "report-duplicates", keep: "b", others: ["a", "c"] }],
  ],
  [
    "first observation of a new run",
    {
      job: job(),
      activeOperation: undefined,
      runs: [run("a", { lastSeenState: null })],
      observed: [flink("a", "RUNNING")],
    },
    [{ kind: "note-run-state", flinkJobId: "a", from: null, to: "RUNNING" }],
  ],
  [
    "a description-only version while the job runs: applied to the running Flink job",
    newVersion({ description: "new" }),
    [{ kind: "apply-version", flinkJobId: "a", fromVersion: 2, toVersion: 3, changed: ["description"] }],
  ],
  [
    "a version that changes the SQL while the job runs and nothing upgrades: upgrade",
    newVersion({ inserts: [] }),
    [{ kind: "upgrade", fromVersion: 2, toVersion: 3 }],
  ],
  [
    "a new version while an operation is in flight: the operation owns the job",
    { ...newVersion({ inserts: [] }), activeOperation: op },
    [{ kind: "advance-operation", operationId: 7 }],
  ],
  [
    "a new version while the job is stopped: nothing until it starts",
    {
      ...newVersion({ description: "new" }),
      job: job({ currentVersion: 3, desiredState: "STOPPED" }),
      runs: [run("a", { lastSeenState: "FINISHED" })],
      observed: [flink("a", "FINISHED")],
    },
    [],
  ],
];

describe("compare (desired vs observed)", () => {
  it.each(cases)("%s", (_label, input, expected) => {
    expect(compare({ ...input, now: NOW, restart })).toEqual(expected);
  });

  it("backs off exponentially up to a cap", () => {
    expect([1, 2, 3, 4, 10].map((n) => restartDelay(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it("reports active sluice/* jobs with no record as strays, nothing else", () => {
    const observed = [
      { id: "1", name: "sluice/known/v1", state: "RUNNING", startTime: 0 },
      { id: "2", name: "sluice/ghost/v4", state: "RUNNING", startTime: 0 },
      { id: "3", name: "sluice/ghost/v3", state: "FINISHED", startTime: 0 },
      { id: "4", name: "someone-elses-job", state: "RUNNING", startTime: 0 },
    ];
    expect(findStrays(new Set(["known"]), observed).map((j) => j.id)).toEqual(["2"]);
  });
});
