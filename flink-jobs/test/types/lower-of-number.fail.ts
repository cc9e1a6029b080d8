import { from, lower } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2345: LOWER takes a string
from(sensorData).select((r) => ({ t: lower(r.temperature) }));
