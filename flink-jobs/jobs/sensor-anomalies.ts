import { defineJob, from, gt, insertInto, type JobSpec, lit, t } from "@sluice/flink-jobs";
import { alertTopic, type KafkaJobOptions, kafkaDefaults, READING_COLUMNS, sensorData } from "./common.ts";

export interface SensorAnomaliesOptions extends KafkaJobOptions {
  /** Readings strictly above this temperature are anomalies (default 100). */
  threshold?: number;
  inputTopic?: string;
  outputTopic?: string;
}

/**
 * Sensor anomalies: readings from `sensor_data` whose temperature exceeds a
 * threshold are copied to `sensor_anomalies` with `anomaly: true`.
 *
 * Compiles to (abridged):
 *   INSERT INTO `sensor_anomalies` (`device_id`, `timestamp`, `temperature`, `anomaly`)
 *   SELECT `device_id`, `timestamp`, `temperature`, TRUE AS `anomaly` FROM `sensor_data` WHERE `temperature` > 100
 */
export function sensorAnomalies(options: SensorAnomaliesOptions = {}): JobSpec {
  const readings = sensorData(options.inputTopic);
  const sensorAnomaliesTable = alertTopic(
    "sensor_anomalies",
    { ...READING_COLUMNS, anomaly: t.boolean() },
    options.outputTopic ?? "sensor_anomalies",
  );

  const anomalies = from(readings)
    .where((r) => gt(r.temperature, options.threshold ?? 100))
    .select((r) => ({
      device_id: r.device_id,
      timestamp: r.timestamp,
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
