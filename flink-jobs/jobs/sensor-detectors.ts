import {
  arForecaster,
  defineJob,
  type EwmaParams,
  ewmaZScore,
  type ForecasterParams,
  from,
  insertInto,
  type JobSpec,
  lit,
  model,
  type RobustParams,
  robustZScore,
  t,
} from "@sluice/flink-jobs";
import { type EventTimeJobOptions, eventTimeConfig, kafkaDefaults, sensorReadingsTo } from "./common.ts";

export interface SensorDetectorsOptions extends EventTimeJobOptions {
  ewma?: EwmaParams;
  robust?: RobustParams;
  forecaster?: ForecasterParams;
  inputTopic?: string;
  outputTopic?: string;
}

/**
 * The detectors' defaults, chosen on the NAB series next to the rolling z-score (bench/learn/nab.ts
 * and its README: the forecaster finds both labelled windows, the others one, like the z-score).
 */
export const DETECTOR_PARAMS = {
  ewma: { alpha: 0.05, threshold: 3, warmup: 24 },
  robust: { window: 48, threshold: 6, warmup: 24 },
  forecaster: { order: 6, eta0: 0.01, threshold: 3, warmup: 48 },
} as const satisfies { ewma: EwmaParams; robust: RobustParams; forecaster: ForecasterParams };

/**
 * Adaptive detectors for sensors, next to the rolling z-score job (`sensor-zscore`), each a
 * JVM function that keeps its state in Flink: an EWMA mean/variance z-score, a robust z-score
 * (median and MAD of the last readings) and a one-step-ahead AR forecaster whose residual is
 * scored. Per device, in event-time order; the readings a detector flags are written to one
 * topic with the detector's name, what it expected and the score.
 */
export function sensorDetectors(options: SensorDetectorsOptions = {}): JobSpec {
  const { readings, sink: detections } = sensorReadingsTo(options, "sensor_detections", {
    detector: t.string(),
    expected: t.double(),
    zscore: t.double(),
  });
  const per = { key: ["device_id"], time: "event_time" } as const;
  const detectors = [
    model("sensor_ewma", readings, {
      ...per,
      fn: ewmaZScore({ value: "temperature", params: options.ewma ?? DETECTOR_PARAMS.ewma }),
    }),
    model("sensor_robust", readings, {
      ...per,
      fn: robustZScore({ value: "temperature", params: options.robust ?? DETECTOR_PARAMS.robust }),
    }),
    model("sensor_ar", readings, {
      ...per,
      fn: arForecaster({ value: "temperature", params: options.forecaster ?? DETECTOR_PARAMS.forecaster }),
    }),
  ];
  const names = { sensor_ewma: "ewma", sensor_robust: "robust", sensor_ar: "forecaster" } as const;
  const inserts = detectors.map((detector) =>
    insertInto(
      detections,
      from(detector)
        .where((r) => r.anomaly)
        .select((r) => ({
          device_id: r.device_id,
          timestamp: r.event_time,
          temperature: r.temperature,
          detector: lit(names[detector.name]),
          expected: r.expected,
          zscore: r.zscore,
        })),
    ),
  );
  return defineJob({
    name: "sensor-detectors",
    description:
      "Readings flagged by adaptive detectors (EWMA, robust median/MAD, AR forecaster) running inside Flink",
    kafka: kafkaDefaults(options),
    config: eventTimeConfig(options),
    tables: [readings, detections],
    models: detectors,
    inserts,
  });
}
