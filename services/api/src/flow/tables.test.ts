import { describe, expect, it } from "vitest";
import { flowMetricIds, operatorMetric, vertexOperators } from "./tables.ts";

describe("operatorMetric", () => {
  it.each([
    ["Source__readings[1].numRecordsOut", { role: "source", table: "readings", metric: "numRecordsOut" }],
    [
      "Source__readings__raw[1].pendingRecords",
      { role: "source", table: "readings", metric: "pendingRecords" },
    ],
    ["alerts[3]__Writer.numRecordsIn", { role: "sink", table: "alerts", metric: "numRecordsIn" }],
    ["Sink__print_out[7].numRecordsIn", { role: "sink", table: "print_out", metric: "numRecordsIn" }],
    [
      "readings__dead_letters[9]__Writer.numRecordsIn",
      { role: "dead-letters", table: "readings", metric: "numRecordsIn" },
    ],
    [
      "Source__sensor_data[12].KafkaSourceReader.KafkaConsumer.bytes-consumed-total",
      {
        role: "source",
        table: "sensor_data",
        metric: "KafkaSourceReader.KafkaConsumer.bytes-consumed-total",
      },
    ],
  ])("%s", (id, expected) => {
    expect(operatorMetric(id)).toEqual(expected);
  });

  it.each(["Calc[2].numRecordsIn", "alerts[3]__Committer.numRecordsIn", "busyTimeMsPerSecond", "__raw"])(
    "%s belongs to no table",
    (id) => {
      expect(operatorMetric(id)).toBeUndefined();
    },
  );

  it("does not strip a suffix that is the whole name", () => {
    expect(operatorMetric("Source____raw[1].numRecordsOut")?.table).toBe("__raw");
  });
});

describe("flowMetricIds", () => {
  it("names the source, writer and vertex metrics of a chained vertex", () => {
    const ids = flowMetricIds("Source: readings[1] -> Calc[2] -> alerts[3]: Writer -> alerts[3]: Committer");
    expect(ids).toEqual([
      "busyTimeMsPerSecond",
      "backPressuredTimeMsPerSecond",
      "Source__readings[1].numRecordsOut",
      "Source__readings[1].numBytesIn",
      "Source__readings[1].numRecordsInErrors",
      "Source__readings[1].pendingRecords",
      "Source__readings[1].currentOutputWatermark",
      "Source__readings[1].KafkaSourceReader.KafkaConsumer.bytes-consumed-total",
      "alerts[3]__Writer.numRecordsIn",
    ]);
    expect(
      ids.every(
        (id) => id === "busyTimeMsPerSecond" || id === "backPressuredTimeMsPerSecond" || operatorMetric(id),
      ),
    ).toBe(true);
  });

  it("names legacy sinks and truncates long operator names as Flink does", () => {
    expect(flowMetricIds("Sink: print_out[7]")).toContain("Sink__print_out[7].numRecordsIn");
    const long = `Source: ${"t".repeat(90)}[1]`;
    expect(flowMetricIds(long)[2]).toBe(`Source__${"t".repeat(72)}.numRecordsOut`);
  });
});

/** Vertex names recorded on the real stack (Flink 2.2): a chain that forks into a JDBC and two file sinks. */
const FORKED =
  "Source: gen[7] -> (ConstraintEnforcer[8] -> Sink: pg_out[8], Calc[9] -> StreamingFileWriter, Calc[11] -> StreamingFileWriter)";

describe("forked chains", () => {
  it("splits a forked vertex name into its operators", () => {
    expect(vertexOperators(FORKED)).toEqual([
      "Source: gen[7]",
      "ConstraintEnforcer[8]",
      "Sink: pg_out[8]",
      "Calc[9]",
      "StreamingFileWriter",
      "Calc[11]",
      "StreamingFileWriter",
    ]);
  });

  it("asks for a JDBC sink's count inside a fork, and once for the file writers", () => {
    const ids = flowMetricIds(FORKED);
    expect(ids).toContain("Sink__pg_out[8].numRecordsIn");
    expect(ids.filter((id) => id === "StreamingFileWriter.numRecordsIn")).toHaveLength(1);
    expect(ids.some((id) => id.includes(",") || id.includes(")"))).toBe(false);
  });

  it("asks for the last branch's writer when the fork closes after it", () => {
    const ids = flowMetricIds("Source: a[1] -> (Calc[2] -> x[3]: Writer, Calc[4] -> Sink: pg[5])");
    expect(ids).toContain("x[3]__Writer.numRecordsIn");
    expect(ids).toContain("Sink__pg[5].numRecordsIn");
  });
});
