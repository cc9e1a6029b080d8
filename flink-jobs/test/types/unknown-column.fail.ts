import { from } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

// expect-error TS2339: `humidity` is not a column of sensor_data
from(sensorData).select((r) => ({ humidity: r.humidity }));
