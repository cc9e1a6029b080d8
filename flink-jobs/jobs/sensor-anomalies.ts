import {
  defineJob,
  from,
  gt,
  insertInto,
  type JobSpec,
  kafka,
  lit,
  seconds,
  t,
  table,
} from "@sluice/flink-jobs";
import { DEFAULT_BOOTSTRAP_SERVERS, type KafkaJobOptions, LENIENT_JSON } from "./common.ts";

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
  const readingColumns = { device_id: t.string(), timestamp: t.timestamp(3), temperature: t.double() };

  const sensorData = table("sensor_data", readingColumns, {
    connector: kafka({
      topic: options.inputTopic ?? "sensor_data",
      format: LENIENT_JSON,
      startupMode: "earliest-offset",
    }),
    watermark: { column: "timestamp", delay: seconds(5) },
  });
  const sensorAnomaliesTable = table(
    "sensor_anomalies",
    { ...readingColumns, anomaly: t.boolean() },
    // At-least-once on purpose: alerts should arrive without waiting for a checkpoint, and a
    // repeated alert (same device and timestamp) after a failover is harmless to act on.
    { connector: kafka({ topic: options.outputTopic ?? "sensor_anomalies", format: "json" }) },
  );

  const anomalies = from(sensorData)
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
    kafka: { bootstrapServers: options.bootstrapServers ?? DEFAULT_BOOTSTRAP_SERVERS },
    tables: [sensorData, sensorAnomaliesTable],
    inserts: [insertInto(sensorAnomaliesTable, anomalies)],
  });
}
