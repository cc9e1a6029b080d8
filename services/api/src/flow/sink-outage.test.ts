import { describe, expect, it } from "vitest";
import type { SinkOutage } from "../lifecycle/sink-outage.ts";
import type { Condition, ConditionState } from "./conditions.ts";
import { outageOver, restartingConditions, withSinkOutage } from "./sink-outage.ts";
import type { FlowSnapshot } from "./snapshot.ts";

const outage: SinkOutage = {
  tables: ["totals"],
  database: "jdbc:postgresql://db:5432/shop",
  detail: "Connection to db:5432 refused.",
  at: 10_000,
};

function snapshot(options: { checkpointAt?: number; writtenAt?: number | null } = {}): FlowSnapshot {
  return {
    flinkJobId: "a1",
    readAt: 20_000,
    sources: [],
    sinks: [{ table: "totals", recordsWritten: 2, lastWriteAt: options.writtenAt ?? null, writeRate: null }],
    checkpoint:
      options.checkpointAt === undefined
        ? null
        : { id: 4, completedAt: options.checkpointAt, durationMs: 5, sizeBytes: 100 },
    checkpointsCompleted: 4,
    checkpointFailures: 1,
    restarts: 1,
    busiest: null,
  };
}

const flowing: ConditionState[] = [
  { type: "DataFlowing", status: "True", reason: "Writing", message: "records written" },
  { type: "CaughtUp", status: "True", reason: "CaughtUp", message: "0 records behind" },
];

describe("sink outage conditions", () => {
  it("DataFlowing is False (SinkUnavailable) until a checkpoint completes or the sink writes after the outage", () => {
    const down = withSinkOutage(flowing, outage, snapshot({ checkpointAt: 9_000, writtenAt: 9_500 }));
    expect(down[0]).toEqual({
      type: "DataFlowing",
      status: "False",
      reason: "SinkUnavailable",
      message:
        "nothing can be written: database jdbc:postgresql://db:5432/shop unreachable for totals: Connection to db:5432 refused.",
    });
    expect(down[1]).toEqual(flowing[1]);
    expect(withSinkOutage(flowing, outage, snapshot({ checkpointAt: 11_000 }))).toEqual(flowing);
    expect(withSinkOutage(flowing, outage, snapshot({ writtenAt: 12_000 }))).toEqual(flowing);
    expect(withSinkOutage(flowing, undefined, snapshot())).toEqual(flowing);
    expect(outageOver(outage, undefined)).toBe(false);
  });

  it("while Flink restarts the job: DataFlowing False, the others as last judged or Unknown", () => {
    const previous: Condition[] = [{ ...flowing[1], since: 1 } as Condition];
    const conditions = restartingConditions(previous, outage);
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["DataFlowing", "False", "SinkUnavailable"],
      ["CheckpointsHealthy", "Unknown", "Restarting"],
      ["NoDeadLetters", "Unknown", "Restarting"],
      ["CaughtUp", "True", "CaughtUp"],
    ]);
  });
});
