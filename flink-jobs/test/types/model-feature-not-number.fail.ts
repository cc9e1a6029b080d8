import { linearRegression, model } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

model("m", sensorData, {
  key: ["device_id"],
  time: "timestamp",
  // expect-error TS2322: a feature must be a numeric column of the input
  fn: linearRegression({ label: "temperature", features: ["device_id"] }),
});
