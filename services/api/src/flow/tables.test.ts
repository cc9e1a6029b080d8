import { describe, expect, it } from "vitest";
import { FLOW_VERTEX_METRIC, operatorMetric } from "./tables.ts";

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

describe("FLOW_VERTEX_METRIC", () => {
  it.each([
    ["Source__readings[1].numRecordsOut", true],
    ["Source__readings[1].pendingRecords", true],
    ["alerts[3]__Writer.numRecordsIn", true],
    ["busyTimeMsPerSecond", true],
    ["Source__readings[1].KafkaSourceReader.KafkaConsumer.records-lag-max", false],
    ["Source__readings[1].numRecordsOutPerSecond", false],
    ["alerts[3]__Committer.numRecordsIn", false],
    ["Calc[2].numRecordsIn", false],
  ])("%s -> %s", (id, wanted) => {
    expect(FLOW_VERTEX_METRIC.test(id)).toBe(wanted);
  });
});
