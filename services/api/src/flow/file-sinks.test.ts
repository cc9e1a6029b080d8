import { describe, expect, it } from "vitest";
import type { RawFlowMetrics } from "../flink/port.ts";
import { attributeFileWriters, fileSinkTables } from "./file-sinks.ts";
import { toSnapshot } from "./snapshot.ts";
import { flowMetricIds } from "./tables.ts";

const fs = (name: string) => ({ name, columns: [], connector: { kind: "filesystem", path: "file:///x" } });
const kafka = (name: string) => ({ name, columns: [], connector: { kind: "kafka", topic: "t" } });
const insert = (into: string) => ({ into, query: {} });

/**
 * Metrics as Flink 2.2 lists them on the real stack for a file source -> file sink job (the
 * trade-files shape): the writer is `StreamingFileWriter`, and `end: Writer` (its own vertex)
 * counts commit messages, not records.
 */
function recorded(writerName: string): RawFlowMetrics {
  return {
    job: {},
    vertices: [
      {
        id: "v1",
        name: `Source: trades__raw[1] -> Calc[2] -> ${writerName}`,
        metrics: {
          "Source__trades__raw[1].numRecordsOut": { sum: 12, max: 12, min: 12 },
          "StreamingFileWriter.numRecordsIn": { sum: 7, max: 7, min: 7 },
        },
      },
      { id: "v2", name: "end: Writer", metrics: { "end__Writer.numRecordsIn": { sum: 3, max: 3, min: 3 } } },
    ],
  };
}

describe("fileSinkTables", () => {
  it("names the filesystem tables an INSERT writes, not filesystem sources or other sinks", () => {
    const spec = {
      tables: [fs("trades"), fs("hourly"), kafka("alerts")],
      inserts: [insert("hourly"), insert("alerts")],
    };
    expect(fileSinkTables(spec)).toEqual(["hourly"]);
  });

  it("reads nothing from a spec without tables", () => {
    expect(fileSinkTables(undefined)).toEqual([]);
    expect(fileSinkTables({ name: "x" })).toEqual([]);
  });
});

describe("attributeFileWriters", () => {
  it("counts the one file sink's records from StreamingFileWriter, not from `end: Writer`", () => {
    const snapshot = toSnapshot(
      attributeFileWriters(recorded("StreamingFileWriter"), ["hourly"]),
      "j",
      1_000,
    );
    expect(snapshot.sinks).toEqual([
      { table: "hourly", recordsWritten: 7, lastWriteAt: 1_000, writeRate: null },
    ]);
    expect(snapshot.sources.map((s) => [s.table, s.recordsRead])).toEqual([["trades", 12]]);
  });

  it("counts a file sink chained in a nested fork beside a JDBC sink (recorded on the real stack)", () => {
    const name =
      "Source: readings__raw[19] -> (Calc[20] -> readings__dead_letters[21]: Writer -> readings__dead_letters[21]: Committer, Calc[22] -> (ConstraintEnforcer[23] -> Sink: hot_pg[23], StreamingFileWriter -> end: Writer))";
    const raw: RawFlowMetrics = {
      job: {},
      vertices: [
        {
          id: "v1",
          name,
          metrics: {
            "Sink__hot_pg[23].numRecordsIn": { sum: 8, max: 8, min: 8 },
            "StreamingFileWriter.numRecordsIn": { sum: 8, max: 8, min: 8 },
            "end__Writer.numRecordsIn": { sum: 2, max: 2, min: 2 },
          },
        },
      ],
    };
    const sinks = toSnapshot(attributeFileWriters(raw, ["hot_files"]), "j", 1).sinks;
    expect(sinks.map((s) => [s.table, s.recordsWritten])).toEqual([
      ["hot_pg", 8],
      ["hot_files", 8],
    ]);
    expect(flowMetricIds(name)).toEqual(
      expect.arrayContaining(["Sink__hot_pg[23].numRecordsIn", "StreamingFileWriter.numRecordsIn"]),
    );
  });

  it("attributes nothing when the job has two file sinks or none", () => {
    expect(
      toSnapshot(attributeFileWriters(recorded("StreamingFileWriter"), ["a", "b"]), "j", 1).sinks,
    ).toEqual([]);
    expect(toSnapshot(attributeFileWriters(recorded("StreamingFileWriter"), []), "j", 1).sinks).toEqual([]);
  });

  it("attributes nothing from a vertex whose two writers share one metric id", () => {
    const raw = recorded("(Calc[3] -> StreamingFileWriter, Calc[5] -> StreamingFileWriter)");
    expect(toSnapshot(attributeFileWriters(raw, ["hourly"]), "j", 1).sinks).toEqual([]);
  });
});
