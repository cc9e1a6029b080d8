import { from, insertInto, view } from "@sluice/flink-jobs";
import { sensorData } from "./schema.ts";

const hot = view(
  "hot",
  from(sensorData).select((r) => ({ device_id: r.device_id })),
);
// expect-error TS2741: a view is not a sink table (it has no declared columns)
insertInto(hot, from(sensorData).select((r) => ({ device_id: r.device_id })));
