import { from } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2322: UNNEST needs an ARRAY column
from(sensorData).crossJoinUnnest((r) => r.device_id, "t", "x");
