import { from, gt } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2345: a STRING column compared with a number
from(sensorData).where((r) => gt(r.device_id, 100));
