import { hours, tumble } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2345: windows need a timestamp column
tumble(sensorData, "device_id", hours(1));
