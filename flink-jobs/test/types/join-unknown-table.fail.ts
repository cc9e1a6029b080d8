import { eq, from } from "@sluice/flink-jobs";
import { anomalies, sensorData } from "./schema.ts";

from(sensorData).join(anomalies, (r) =>
  // expect-error TS2339: joined rows are keyed by table name; there is no `sensors`
  eq(r.sensors.device_id, r.sensor_anomalies.device_id),
);
