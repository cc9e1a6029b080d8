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
  ["restarting is still running", { ...base, ...run("RESTARTING") }, "RUNNING", "RESTARTING"],
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
