import { from, insertInto } from "@sluice/flink-jobs";
import { anomalies, sensorData } from "./schema.ts";

// expect-error TS2345: `temperature` of the sink is DOUBLE, the query gives a STRING
insertInto(
  anomalies,
  from(sensorData).select((r) => ({ device_id: r.device_id, temperature: r.device_id })),
);
