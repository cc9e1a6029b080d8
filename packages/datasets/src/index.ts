/**
 * Real data sets for tests and the demo. The files live in the repository's
 * `data/` folder (with their licences); this package reads them.
 *
 * @example
 *   import { nabSensorReadings } from "@sluice/datasets";
 *   nabSensorReadings().length; // 7267
 */
export {
  loadNabLabels,
  NAB_DEVICE_ID,
  nabDataDir,
  nabEpochMillis,
  nabSensorReadings,
  type SensorReading,
  type SensorRecord,
  sensorRecord,
} from "./nab.ts";
