import { describe, expect, it } from "vitest";
import { type ConditionState, conditions, DEFAULT_THRESHOLDS, type FlowThresholds } from "./conditions.ts";
import type { FlowSnapshot } from "./snapshot.ts";
import { historyWindowMs, jobThresholds } from "./thresholds.ts";

/** The API's defaults in these tests: a minute without output, 1,000 records of lag. */
const API: FlowThresholds = { ...DEFAULT_THRESHOLDS, noOutputMs: 60_000, maxLagRecords: 1_000 };

/** A `readings -> alerts` snapshot: `read` records in, `written` out (last write at `lastWriteAt`), `lag` behind. */
function snap(
  at: number,
  read: number,
  written = 0,
  lag = 0,
  lastWriteAt: number | null = null,
): FlowSnapshot {
  return {
    flinkJobId: "f1",
    readAt: at,
    sources: [
      {
        table: "readings",
        recordsRead: read,
        bytesRead: null,
        errors: 0,
        deadLettered: 0,
        lag,
        watermarkLagMs: null,
        readRate: null,
      },
    ],
    sinks: [{ table: "alerts", recordsWritten: written, lastWriteAt, writeRate: null }],
    checkpoint: { id: 1, completedAt: at - 1_000, durationMs: 20, sizeBytes: 800 },
    checkpointsCompleted: 1,
    checkpointFailures: 0,
    restarts: 0,
    busiest: null,
  };
}

const judged = (type: string, history: FlowSnapshot[], spec: unknown) =>
  conditions(history, jobThresholds(API, spec).thresholds).find((c) => c.type === type) as ConditionState;

describe("per-job flow thresholds", () => {
  it("take the spec's `flow` values over the API's defaults, and say which", () => {
    expect(jobThresholds(API, { name: "j" })).toEqual({ thresholds: API, fromSpec: [] });
    expect(jobThresholds(API, { name: "j", flow: { noOutputMs: 5_000, deadLetterWindowMs: 2_000 } })).toEqual(
      {
        thresholds: { ...API, noOutputMs: 5_000, deadLetterWindowMs: 2_000 },
        fromSpec: ["noOutputMs", "deadLetterWindowMs"],
      },
    );
    // 0 is a value (no lag allowed), not "unset".
    expect(jobThresholds(API, { flow: { maxLagRecords: 0 } }).thresholds.maxLagRecords).toBe(0);
    // Anything but a finite number is ignored (specs are validated when stored).
    expect(jobThresholds(API, { flow: { noOutputMs: "5 s", maxLagRecords: null } })).toEqual({
      thresholds: API,
      fromSpec: [],
    });
    expect(jobThresholds(API, undefined).thresholds).toEqual(API);
  });

  it("DataFlowing: 10 s of input without output is NoOutput under a job's 5 s, still Observing under the API's minute", () => {
    const history = [snap(0, 0), snap(5_000, 40), snap(10_000, 80)];
    expect(judged("DataFlowing", history, { flow: { noOutputMs: 5_000 } })).toMatchObject({
      status: "False",
      reason: "NoOutput",
      message: "40 records read in the last 5 s, none written to alerts",
    });
    expect(judged("DataFlowing", history, {})).toMatchObject({ status: "Unknown", reason: "Observing" });
  });

  it("DataFlowing: a write 30 s ago is recent under a job's 2 min, not under a 20 s one", () => {
    const history = [snap(0, 10, 10, 0, 0), snap(30_000, 50, 10, 0, 0)];
    expect(judged("DataFlowing", history, { flow: { noOutputMs: 120_000 } }).status).toBe("True");
    expect(judged("DataFlowing", history, { flow: { noOutputMs: 20_000 } })).toMatchObject({
      status: "False",
      reason: "NoOutput",
    });
  });

  it("CaughtUp: 500 records behind is within the API's 1,000 but Lagging over a job's 100", () => {
    const history = [snap(0, 10, 10, 500, 0)];
    expect(judged("CaughtUp", history, {}).status).toBe("True");
    expect(judged("CaughtUp", history, { flow: { maxLagRecords: 100 } })).toMatchObject({
      status: "False",
      reason: "Lagging",
      message: "500 records behind (bound 100): readings 500",
    });
  });

  it("CheckpointsHealthy: a checkpoint 2 min old is too old for a job's 1 min bound", () => {
    const checkpoint = { id: 1, completedAt: 80_000, durationMs: 20, sizeBytes: 1 };
    const history = [snap(0, 0), { ...snap(200_000, 10, 10, 0, 200_000), checkpoint }];
    expect(judged("CheckpointsHealthy", history, {}).status).toBe("True");
    expect(judged("CheckpointsHealthy", history, { flow: { checkpointMaxAgeMs: 60_000 } })).toMatchObject({
      status: "False",
      reason: "CheckpointTooOld",
    });
  });

  it("the history a job keeps reaches back over its own longest window", () => {
    expect(historyWindowMs(API)).toBe(DEFAULT_THRESHOLDS.checkpointMaxAgeMs);
    const own = jobThresholds(API, { flow: { checkpointMaxAgeMs: 5_000, deadLetterWindowMs: 900_000 } });
    expect(historyWindowMs(own.thresholds)).toBe(900_000);
  });
});
