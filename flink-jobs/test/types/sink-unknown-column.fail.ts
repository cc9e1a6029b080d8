import { from, insertInto } from "@sluice/flink-jobs";
import { anomalies, sensorData } from "./schema.ts";

// expect-error TS2345: the sink has no column `ts`
insertInto(
  anomalies,
  from(sensorData).select((r) => ({ device_id: r.device_id, ts: r.timestamp })),
);
