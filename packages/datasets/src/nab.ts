/**
 * The Numenta Anomaly Benchmark's ambient-temperature series (real data, MIT
 * licence; see data/nab/README.md), as typed values for tests and the demo.
 * The files stay in the repository's `data/nab/`; this module reads them.
 *
 * @example
 *   import { loadNabLabels, nabSensorReadings } from "@sluice/datasets";
 *   loadNabLabels()[0];      // ["2013-12-15 07:00:00", "2013-12-30 09:00:00"]
 *   nabSensorReadings()[0];  // { device_id: "nab-ambient-temperature", timestamp: "2013-07-04 00:00:00", temperature: 69.88083514 }
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** `data/nab/` of the repository, from this package's root (packages/datasets). */
export const nabDataDir = resolve(import.meta.dirname, "..", "..", "..", "data", "nab");

/** The device id a NAB reading gets when it is replayed as a `sensor_data` record. */
export const NAB_DEVICE_ID = "nab-ambient-temperature";

/** A NAB reading of one device (docs/ARCHITECTURE.md, pipeline 1), its time as the file writes it. */
export interface SensorReading {
  device_id: string;
  /** `yyyy-MM-dd HH:mm:ss` in UTC, as in NAB's file (and its labels). */
  timestamp: string;
  /** °F, as NAB recorded it (the series stays between 57 and 87). */
  temperature: number;
}

/**
 * The NAB series replayed as `sensor_data` records of one device: the 7,267
 * hourly readings of `ambient_temperature_system_failure.csv`, in file (time)
 * order; `timestamp` as in the file (no zone: read it as UTC), °F unchanged.
 */
export function nabSensorReadings(deviceId = NAB_DEVICE_ID): SensorReading[] {
  const text = readFileSync(join(nabDataDir, "ambient_temperature_system_failure.csv"), "utf8");
  const [header, ...lines] = text.trim().split("\n");
  if (header?.trim() !== "timestamp,value") throw new Error(`unexpected NAB header: ${header}`);
  return lines.map((line, i) => {
    const [timestamp, value] = line.trim().split(",");
    const parsed = Number(value);
    if (
      timestamp === undefined ||
      !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(timestamp) ||
      !Number.isFinite(parsed)
    ) {
      throw new Error(`malformed NAB line ${i + 2}: ${line}`);
    }
    return { device_id: deviceId, timestamp, temperature: parsed };
  });
}

/**
 * The labelled anomaly WINDOWS (NAB labels windows around each known anomaly,
 * not single points), as `[start, end]` inclusive, `yyyy-MM-dd HH:mm:ss`.
 */
export function loadNabLabels(): [string, string][] {
  const labels = JSON.parse(readFileSync(join(nabDataDir, "ambient_temperature_labels.json"), "utf8")) as {
    anomaly_windows: [string, string][];
  };
  // The file writes microseconds (".000000"); the series has whole hours.
  return labels.anomaly_windows.map(([start, end]) => [start.slice(0, 19), end.slice(0, 19)]);
}

/** Milliseconds since the epoch of a NAB timestamp, read as UTC. */
export function nabEpochMillis(timestamp: string): number {
  return Date.parse(`${timestamp.replace(" ", "T")}Z`);
}

/**
 * A `sensor_data` record as producers write it and the sensor jobs read it: `timestamp` in
 * epoch milliseconds (e.g. Python's `int(time.time() * 1000)`).
 */
export interface SensorRecord {
  device_id: string;
  timestamp: number;
  temperature: number;
}

/**
 * A reading as a producer writes it to `sensor_data`: its time in epoch milliseconds.
 *
 * @example
 *   sensorRecord({ device_id: "d", timestamp: "2013-07-04 00:00:00", temperature: 69.9 })
 *   // { device_id: "d", timestamp: 1372896000000, temperature: 69.9 }
 */
export function sensorRecord(reading: SensorReading): SensorRecord {
  return { ...reading, timestamp: nabEpochMillis(reading.timestamp) };
}
