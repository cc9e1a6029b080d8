import { describe, expect, it } from "vitest";
import { type DerivedState, deriveState, type StateInput } from "./state.ts";

const base: StateInput = { desiredState: "RUNNING", flinkReachable: true };
const run = (observed: string) => ({ run: { flinkJobId: "j1", observed } });

const cases: Array<[string, StateInput, DerivedState["state"], string?]> = [
  ["Flink unreachable", { ...base, flinkReachable: false, ...run("RUNNING") }, "UNKNOWN", "unreachable"],
  ["submit in flight", { ...base, activeOperation: { kind: "submit" } }, "SUBMITTING"],
  ["stop in flight", { ...base, activeOperation: { kind: "stop" }, ...run("RUNNING") }, "STOPPING"],
  ["delete in flight", { ...base, activeOperation: { kind: "delete" }, ...run("RUNNING") }, "STOPPING"],
  ["upgrade in flight", { ...base, activeOperation: { kind: "upgrade" }, ...run("RUNNING") }, "UPGRADING"],
  [
    "savepoint in flight keeps RUNNING",
    { ...base, activeOperation: { kind: "savepoint" }, ...run("RUNNING") },
    "RUNNING",
  ],
  ["running", { ...base, ...run("RUNNING") }, "RUNNING"],
  ["initializing", { ...base, ...run("INITIALIZING") }, "SUBMITTING"],
  [
    "Flink restarts it",
    { ...base, ...run("RESTARTING") },
    "RESTARTING",
    "restarting after a failure, attempt 1",
  ],
  [
    "every task running",
    { ...base, run: { flinkJobId: "j1", observed: "RUNNING", tasks: { running: 2, total: 2 } } },
    "RUNNING",
  ],
  [
    "tasks waiting for slots, no TaskManager",
    {
      ...base,
      run: { flinkJobId: "j1", observed: "RUNNING", tasks: { running: 0, scheduled: 2, total: 2 } },
      cluster: { taskManagers: 0, slotsTotal: 0, slotsAvailable: 0 },
    },
    "STARTING",
    "0 of 2 tasks running (2 scheduled); waiting for 1 task slot: 0 TaskManagers registered",
  ],
  [
    "some tasks down after a TaskManager was lost",
    {
      ...base,
      run: {
        flinkJobId: "j1",
        observed: "RUNNING",
        tasks: { running: 1, scheduled: 1, total: 2 },
        failures: [
          { timestamp: 1, message: "org.apache.flink...: TaskManager with id tm-1 is no longer reachable." },
        ],
      },
    },
    "DEGRADED",
    "1 of 2 tasks running (1 scheduled); after TaskManager lost, attempt 1",
  ],
  [
    "Flink FAILED, restart budget left: Sluice restarts it",
    { ...base, ...run("FAILED"), restart: { attempts: 1, limit: 5 } },
    "RESTARTING",
    "FAILED after a failure; automatic restart 2/5 from the newest checkpoint",
  ],
  [
    "restart waits for a TaskManager without spending the budget",
    {
      ...base,
      ...run("FAILED"),
      restart: { attempts: 0, limit: 5 },
      slotsNeeded: 2,
      cluster: { taskManagers: 0, slotsTotal: 0, slotsAvailable: 0 },
    },
    "RESTARTING",
    "waiting for 2 task slots: 0 TaskManagers registered (the restart waits; no attempt spent)",
  ],
  [
    "Flink forgot the job (JobManager restarted), budget left",
    { ...base, ...run("MISSING"), restart: { attempts: 0, limit: 5 } },
    "RESTARTING",
    "no longer knows job j1 (was its JobManager restarted?)",
  ],
  ["finished and desired stopped", { ...base, desiredState: "STOPPED", ...run("FINISHED") }, "STOPPED"],
  ["cancelled outside Sluice", { ...base, ...run("CANCELED") }, "FAILED", "outside Sluice"],
  ["failed", { ...base, ...run("FAILED") }, "FAILED", "is FAILED"],
  [
    "failed, restarts exhausted",
    { ...base, ...run("FAILED"), restart: { attempts: 3, limit: 3 } },
    "FAILED",
    "restarts exhausted",
  ],
  ["Flink forgot the job", { ...base, ...run("MISSING") }, "FAILED", "no longer knows"],
  ["reconciling after a JobManager restart", { ...base, ...run("RECONCILING") }, "STARTING", "reconciling"],
  ["no run, stopped", { ...base, desiredState: "STOPPED" }, "STOPPED"],
  [
    "no run, last submit failed",
    { ...base, lastOperation: { kind: "submit", status: "failed", error: "SQL_ERROR: nope" } },
    "FAILED",
    "SQL_ERROR: nope",
  ],
  [
    "running although desired stopped",
    { ...base, desiredState: "STOPPED", ...run("RUNNING") },
    "RUNNING",
    "desired state is STOPPED",
  ],
];

describe("deriveState", () => {
  it.each(cases)("%s", (_label, input, state, reason) => {
    const derived = deriveState(input);
    expect(derived.state).toBe(state);
    if (reason) expect(derived.reason).toContain(reason);
  });
});
