import { ewmaZScore, model } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

model("m", sensorData, {
  key: ["device_id"],
  // expect-error TS2322: rows are learnt in time order: a timestamp column
  time: "temperature",
  fn: ewmaZScore({ value: "temperature" }),
});
