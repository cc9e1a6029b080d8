import { defineJob, from, gt, insertInto, type JobSpec, lit, t } from "@sluice/flink-jobs";
import {
  alertTopic,
  type InputOutputTopics,
  type KafkaJobOptions,
  kafkaDefaults,
  sensorData,
} from "./common.ts";

export interface SensorAnomaliesOptions extends KafkaJobOptions, InputOutputTopics {
  /** Readings strictly above this temperature are anomalies (default 100). */
  threshold?: number;
}

/**
 * Sensor anomalies: readings from `sensor_data` whose temperature exceeds a
 * threshold are copied to `sensor_anomalies` with `anomaly: true`.
 *
 * Compiles to (abridged):
 *   INSERT INTO `sensor_anomalies` (`device_id`, `timestamp`, `temperature`, `anomaly`)
 *   SELECT `device_id`, `event_time` AS `timestamp`, `temperature`, TRUE AS `anomaly` FROM `sensor_data` WHERE `temperature` > 100
 *
 * Readings carry `timestamp` in epoch milliseconds (Python's `int(time.time() * 1000)`); alerts
 * carry it as ISO-8601 in UTC: `{"device_id":"sensor-042","timestamp":"2023-11-14T22:13:20Z",
 * "temperature":101.3,"anomaly":true}`.
 */
export function sensorAnomalies(options: SensorAnomaliesOptions = {}): JobSpec {
  const readings = sensorData(options.inputTopic);
  const sensorAnomaliesTable = alertTopic("sensor_anomalies", { anomaly: t.boolean() }, options.outputTopic);

  const anomalies = from(readings)
    .where((r) => gt(r.temperature, options.threshold ?? 100))
    .select((r) => ({
      device_id: r.device_id,
      timestamp: r.event_time,
      temperature: r.temperature,
      anomaly: lit(true),
    }));

  return defineJob({
    name: "sensor-anomalies",
    description: "Temperature readings above a threshold, flagged as anomalies",
    kafka: kafkaDefaults(options),
    tables: [readings, sensorAnomaliesTable],
    inserts: [insertInto(sensorAnomaliesTable, anomalies)],
  });
}
