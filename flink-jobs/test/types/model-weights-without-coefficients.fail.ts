import { from, linearRegression, model } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

const m = model("m", sensorData, {
  key: ["device_id"],
  time: "timestamp",
  fn: linearRegression({ label: "temperature", features: ["temperature"], params: { eta0: 0.01 } }),
});
// expect-error TS2339: `weights` exists only with `coefficients: true`
from(m).select((r) => ({ w: r.weights }));
