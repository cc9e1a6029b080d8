import { describe, expect, it } from "vitest";
import {
  type ConditionState,
  conditions,
  DEFAULT_THRESHOLDS,
  type FlowThresholds,
  transition,
} from "./conditions.ts";
import type { FlowSnapshot } from "./snapshot.ts";

const T: FlowThresholds = {
  noOutputMs: 10_000,
  checkpointMaxAgeMs: 30_000,
  deadLetterWindowMs: 20_000,
  maxLagRecords: 100,
};

interface Sample {
  at: number;
  read?: number;
  written?: number;
  lastWriteAt?: number | null;
  dead?: number;
  lag?: number | null;
  checkpoint?: { id: number; completedAt: number } | null;
  cpDone?: number;
  cpFailed?: number;
}

function snap(s: Sample): FlowSnapshot {
  return {
    flinkJobId: "f1",
    readAt: s.at,
    sources: [
      {
        table: "readings",
        recordsRead: s.read ?? 0,
        bytesRead: null,
        errors: 0,
        deadLettered: s.dead ?? 0,
        lag: s.lag === undefined ? 0 : s.lag,
        watermarkLagMs: null,
        readRate: null,
      },
    ],
    sinks: [
      {
        table: "alerts",
        recordsWritten: s.written ?? 0,
        lastWriteAt: s.lastWriteAt ?? null,
        writeRate: null,
      },
    ],
    checkpoint:
      s.checkpoint === undefined
        ? { id: 1, completedAt: s.at - 1000, durationMs: 20, sizeBytes: 800 }
        : s.checkpoint
          ? { ...s.checkpoint, durationMs: 20, sizeBytes: 800 }
          : null,
    checkpointsCompleted: s.cpDone ?? 1,
    checkpointFailures: s.cpFailed ?? 0,
    restarts: 0,
    busiest: null,
  };
}

const of = (type: string, history: Sample[], thresholds = T) =>
  conditions(history.map(snap), thresholds).find((c) => c.type === type) as ConditionState;

describe("conditions", () => {
  it("are all Unknown before any read", () => {
    expect(conditions([], T).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "DataFlowing=Unknown/NoMetrics",
      "CheckpointsHealthy=Unknown/NoMetrics",
      "NoDeadLetters=Unknown/NoMetrics",
      "CaughtUp=Unknown/NoMetrics",
    ]);
  });

  it.each<[string, Sample[], string, string]>([
    [
      "a recent write",
      [{ at: 0 }, { at: 12_000, read: 50, written: 5, lastWriteAt: 12_000 }],
      "True",
      "Writing",
    ],
    [
      "input read, nothing written for the window",
      [{ at: 0 }, { at: 5_000, read: 10 }, { at: 12_000, read: 50 }],
      "False",
      "NoOutput",
    ],
    [
      "the last write older than the window",
      [
        { at: 0, read: 5, written: 5, lastWriteAt: 0 },
        { at: 12_000, read: 50, written: 5, lastWriteAt: 0 },
      ],
      "False",
      "NoOutput",
    ],
    ["a history shorter than the window", [{ at: 0 }, { at: 5_000, read: 50 }], "Unknown", "Observing"],
    [
      "no input and no output",
      [
        { at: 0, read: 7 },
        { at: 12_000, read: 7 },
      ],
      "Unknown",
      "NoInput",
    ],
    [
      "input waiting, nothing read or written (a blocked sink)",
      [
        { at: 0, read: 7 },
        { at: 12_000, read: 7, lag: 500 },
      ],
      "False",
      "Stalled",
    ],
  ])("DataFlowing with %s", (_, history, status, reason) => {
    expect(of("DataFlowing", history)).toMatchObject({ status, reason });
  });

  it("DataFlowing is Unknown when Flink reports no sink count (it does not guess)", () => {
    const history = [{ at: 0 }, { at: 11_000, read: 40 }].map(snap).map((s) => ({ ...s, sinks: [] }));
    expect(conditions(history, T)[0]).toMatchObject({ status: "Unknown", reason: "NoSinkMetrics" });
  });

  it("DataFlowing says what was read, where nothing went, and the dead letters", () => {
    const c = of("DataFlowing", [{ at: 0 }, { at: 11_000, read: 40, dead: 40 }]);
    expect(c.message).toBe("40 records read in the last 10 s, none written to alerts; 40 dead-lettered");
  });

  it.each<[string, Sample[], string, string]>([
    ["a recent checkpoint", [{ at: 100_000 }], "True", "Completing"],
    [
      "the last checkpoint too old",
      [{ at: 100_000, checkpoint: { id: 3, completedAt: 60_000 } }],
      "False",
      "CheckpointTooOld",
    ],
    [
      "failures and no completion in the window",
      [
        { at: 0, cpFailed: 1, cpDone: 4 },
        { at: 31_000, cpFailed: 3, cpDone: 4 },
      ],
      "False",
      "CheckpointsFailing",
    ],
    [
      "failures but completions too",
      [
        { at: 0, cpFailed: 1, cpDone: 4 },
        { at: 31_000, cpFailed: 3, cpDone: 6 },
      ],
      "True",
      "Completing",
    ],
    [
      "no checkpoint yet, shortly after the start",
      [{ at: 0, checkpoint: null }],
      "Unknown",
      "NoCheckpointYet",
    ],
    [
      "no checkpoint for the whole window",
      [
        { at: 0, checkpoint: null },
        { at: 30_000, checkpoint: null },
      ],
      "False",
      "NoCheckpoint",
    ],
  ])("CheckpointsHealthy with %s", (_, history, status, reason) => {
    expect(of("CheckpointsHealthy", history)).toMatchObject({ status, reason });
  });

  it.each<[string, Sample[], string, string]>([
    ["none ever", [{ at: 0 }, { at: 5_000 }], "True", "None"],
    [
      "some in the window",
      [
        { at: 0, dead: 2 },
        { at: 5_000, dead: 3 },
      ],
      "False",
      "DeadLetters",
    ],
    ["some on the first read", [{ at: 0, dead: 2 }], "False", "DeadLetters"],
    [
      "some, but none in the window",
      [
        { at: 0, dead: 3 },
        { at: 25_000, dead: 3 },
      ],
      "True",
      "NoneRecent",
    ],
  ])("NoDeadLetters with %s", (_, history, status, reason) => {
    expect(of("NoDeadLetters", history)).toMatchObject({ status, reason });
  });

  it.each<[string, number | null, string, string]>([
    ["lag below the bound", 100, "True", "CaughtUp"],
    ["lag above the bound", 101, "False", "Lagging"],
    ["no lag metric", null, "Unknown", "NoLagMetric"],
  ])("CaughtUp with %s", (_, lag, status, reason) => {
    expect(of("CaughtUp", [{ at: 0, lag }])).toMatchObject({ status, reason });
  });

  it("uses the configured thresholds", () => {
    expect(of("CaughtUp", [{ at: 0, lag: 500 }], DEFAULT_THRESHOLDS).status).toBe("True");
    expect(of("CaughtUp", [{ at: 0, lag: 500 }], { ...DEFAULT_THRESHOLDS, maxLagRecords: 499 }).status).toBe(
      "False",
    );
  });
});

describe("transition", () => {
  const c = (status: ConditionState["status"], reason: string): ConditionState => ({
    type: "DataFlowing",
    status,
    reason,
    message: "m",
  });

  it("keeps since while the status stays, and reports changes of status or reason", () => {
    const first = transition([], [c("Unknown", "Observing")], 1);
    expect(first.changed.map((x) => x.to.reason)).toEqual(["Observing"]);
    const same = transition(first.conditions, [c("Unknown", "NoInput")], 2);
    expect(same.conditions[0]?.since).toBe(1);
    expect(same.changed).toHaveLength(1);
    const flipped = transition(same.conditions, [c("False", "NoOutput")], 3);
    expect(flipped.conditions[0]?.since).toBe(3);
    expect(flipped.changed[0]?.from?.status).toBe("Unknown");
    expect(transition(flipped.conditions, [c("False", "NoOutput")], 4).changed).toEqual([]);
  });
});
