import { kafka, seconds, t, table } from "@sluice/flink-jobs";

/** Tables shared by the type-level tests. */
export const sensorData = table(
  "sensor_data",
  { device_id: t.string(), timestamp: t.timestamp(3), temperature: t.double(), tags: t.array(t.string()) },
  {
    connector: kafka({ topic: "sensor_data", format: "json", errorPolicy: "fail" }),
    watermark: { column: "timestamp", delay: seconds(5) },
  },
);

export const anomalies = table(
  "sensor_anomalies",
  { device_id: t.string(), temperature: t.double(), anomaly: t.boolean() },
  { connector: kafka({ topic: "sensor_anomalies", format: "json" }) },
);
