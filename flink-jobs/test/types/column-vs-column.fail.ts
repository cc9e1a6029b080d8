import { eq, from } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2345: a STRING column compared with a DOUBLE column
from(sensorData).where((r) => eq(r.device_id, r.temperature));
