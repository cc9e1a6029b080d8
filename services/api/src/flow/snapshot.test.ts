import { describe, expect, it } from "vitest";
import type { RawFlowMetrics } from "../flink/port.ts";
import { type FlowSnapshot, rateBaseOf, toSnapshot } from "./snapshot.ts";

const vertex = (metrics: RawFlowMetrics["vertices"][number]["metrics"], name = "v") => ({
  id: name,
  name,
  metrics,
});

describe("toSnapshot", () => {
  it("sums operator metrics per table over vertices and derives rates and the last write time", () => {
    const first = toSnapshot(
      {
        job: {},
        vertices: [
          vertex({ "Source__readings[1].numRecordsOut": { sum: 100 } }, "a"),
          vertex({ "alerts[2]__Writer.numRecordsIn": { sum: 0 } }, "b"),
        ],
      },
      "j",
      1_000,
    );
    expect(first.sinks[0]).toMatchObject({ recordsWritten: 0, lastWriteAt: null, writeRate: null });
    const second = toSnapshot(
      {
        job: {},
        vertices: [
          vertex(
            { "Source__readings[1].numRecordsOut": { sum: 300 }, busyTimeMsPerSecond: { max: 100 } },
            "a",
          ),
          vertex(
            {
              "alerts[2]__Writer.numRecordsIn": { sum: 40 },
              busyTimeMsPerSecond: { max: 900 },
              backPressuredTimeMsPerSecond: { max: 50 },
            },
            "b",
          ),
        ],
      },
      "j",
      3_000,
      first,
    );
    expect(second.sources[0]).toMatchObject({ table: "readings", recordsRead: 300, readRate: 100 });
    expect(second.sinks[0]).toMatchObject({
      table: "alerts",
      recordsWritten: 40,
      lastWriteAt: 3_000,
      writeRate: 20,
    });
    expect(second.busiest).toEqual({ vertex: "b", busyRatio: 0.9, backPressuredRatio: 0.05 });
  });

  it("counts a write after a restart, when the sink's counter began again below its last value", () => {
    const sink = (written: number, restarts: number) => ({
      job: { numRestarts: restarts },
      vertices: [vertex({ "Sink__totals[8].numRecordsIn": { sum: written } })],
    });
    const before = toSnapshot(sink(5, 0), "j", 1_000);
    const same = toSnapshot(sink(5, 0), "j", 2_000, before);
    expect(same.sinks[0]?.lastWriteAt).toBe(1_000);
    const restarted = toSnapshot(sink(2, 1), "j", 3_000, same);
    expect(restarted.sinks[0]).toMatchObject({ table: "totals", recordsWritten: 2, lastWriteAt: 3_000 });
    const idle = toSnapshot(sink(0, 2), "j", 4_000, restarted);
    expect(idle.sinks[0]?.lastWriteAt).toBe(3_000);
  });

  it("does not compare with a snapshot of another Flink job", () => {
    const old = toSnapshot(
      { job: {}, vertices: [vertex({ "Source__r[1].numRecordsOut": { sum: 5 } })] },
      "old",
      0,
    );
    const s = toSnapshot(
      { job: {}, vertices: [vertex({ "Source__r[1].numRecordsOut": { sum: 9 } })] },
      "new",
      1_000,
      old,
    );
    expect(s.sources[0]?.readRate).toBeNull();
  });

  it("reads the watermark lag and leaves it null without a watermark", () => {
    const wm = (min: number) =>
      toSnapshot(
        { job: {}, vertices: [vertex({ "Source__r[1].currentOutputWatermark": { min } })] },
        "j",
        10_000,
      ).sources[0]?.watermarkLagMs;
    expect(wm(7_000)).toBe(3_000);
    expect(wm(-9.223372036854776e18)).toBeNull();
  });

  it("reads the checkpoint from the job metrics, none while Flink reports none", () => {
    const job = {
      lastCompletedCheckpointId: -1,
      lastCheckpointCompletedTimestamp: -1,
      numberOfFailedCheckpoints: 2,
    };
    expect(toSnapshot({ job, vertices: [] }, "j", 0)).toMatchObject({
      checkpoint: null,
      checkpointFailures: 2,
    });
  });
});

describe("rateBaseOf", () => {
  const at = (readAt: number) => ({ readAt }) as FlowSnapshot;
  it("takes rates over at least 15 s (Flink's metric values may be 10 s old), else since the first read", () => {
    const history = [at(0), at(5_000), at(10_000), at(20_000)];
    expect(rateBaseOf(history, 25_000)?.readAt).toBe(10_000);
    expect(rateBaseOf(history, 12_000)?.readAt).toBe(0);
    expect(rateBaseOf([], 1)).toBeUndefined();
  });
});
