import {
  abs,
  and,
  avg,
  defineJob,
  div,
  from,
  gt,
  insertInto,
  type JobSpec,
  stddevPop,
  sub,
  t,
  view,
} from "@sluice/flink-jobs";
import {
  alertTopic,
  type EventTimeJobOptions,
  eventTimeConfig,
  type InputOutputTopics,
  kafkaDefaults,
  sensorData,
} from "./common.ts";

export interface SensorZscoreOptions extends EventTimeJobOptions, InputOutputTopics {
  /** How many readings (the current one included) the rolling mean and deviation cover (default 20). */
  windowRows?: number;
  /** Readings whose |z| exceeds this are flagged (default 3). */
  maxAbsZ?: number;
}

/**
 * Rolling z-score per device: each reading is compared with the mean and
 * population standard deviation of the device's last N readings (an OVER
 * window ordered by event time); readings with |z| above a bound are emitted
 * with their z-score. Unlike a fixed threshold, this follows each device's
 * own normal range.
 */
export function sensorZscore(options: SensorZscoreOptions = {}): JobSpec {
  const readings = sensorData(options.inputTopic);
  const zscores = alertTopic(
    "sensor_zscores",
    { rolling_mean: t.double(), rolling_stddev: t.double(), zscore: t.double() },
    options.outputTopic,
  );

  const stats = view(
    "sensor_rolling_stats",
    from(readings).select((r) => {
      const window = {
        partitionBy: [r.device_id],
        orderBy: r.event_time,
        rows: (options.windowRows ?? 20) - 1,
      };
      return {
        device_id: r.device_id,
        event_time: r.event_time,
        temperature: r.temperature,
        rolling_mean: avg(r.temperature).over(window),
        rolling_stddev: stddevPop(r.temperature).over(window),
      };
    }),
  );

  const zscore = (r: ReturnType<typeof stats.row>) =>
    div(sub(r.temperature, r.rolling_mean), r.rolling_stddev);
  const flagged = from(stats)
    .where((r) => and(gt(r.rolling_stddev, 0), gt(abs(zscore(r)), options.maxAbsZ ?? 3)))
    .select((r) => ({
      device_id: r.device_id,
      timestamp: r.event_time,
      temperature: r.temperature,
      rolling_mean: r.rolling_mean,
      rolling_stddev: r.rolling_stddev,
      zscore: zscore(r),
    }));

  return defineJob({
    name: "sensor-zscore",
    description: "Readings far from their device's rolling mean (|z-score| above a bound)",
    kafka: kafkaDefaults(options),
    config: eventTimeConfig(options),
    tables: [readings, zscores],
    views: [stats],
    inserts: [insertInto(zscores, flagged)],
  });
}
