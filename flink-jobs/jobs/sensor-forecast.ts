import {
  abs,
  arForecaster,
  avg,
  defineJob,
  type ForecasterParams,
  from,
  insertInto,
  type JobSpec,
  model,
  sub,
  t,
} from "@sluice/flink-jobs";
import { type EventTimeJobOptions, eventTimeConfig, kafkaDefaults, sensorReadingsTo } from "./common.ts";

export interface SensorForecastOptions extends EventTimeJobOptions {
  /** The forecaster's hyper-parameters (default AR(6), eta0 0.01). */
  params?: ForecasterParams;
  inputTopic?: string;
  outputTopic?: string;
}

/** AR(6) with a constant rate: learns the NAB series' hourly pattern within a few hundred rows. */
export const FORECAST_PARAMS: ForecasterParams = { order: 6, eta0: 0.01 };

/**
 * A sensor's next-value forecaster that learns online, inside Flink: per device, in event-time
 * order, an AR model trained by SGD (Sluice's `ArForecaster` JVM function) forecasts each reading
 * from the ones before it, then learns from it. Every reading is written with its forecast, the
 * error and the device's running mean absolute error, so the stream shows the model improving.
 * The model is Flink state: a stop with a savepoint and a start from it continue it.
 *
 * Compiles to (abridged):
 *   CREATE TEMPORARY FUNCTION IF NOT EXISTS SLUICE_AR_FORECASTER AS '...' USING JAR '${secret:FUNCTIONS_JAR}'
 *   CREATE TEMPORARY VIEW `sensor_forecast_model` AS SELECT ..., `sluice_result`.`expected` AS `expected`, ...
 *     FROM (SELECT ..., SLUICE_AR_FORECASTER(`temperature`, 'order=6, eta0=0.01') OVER (PARTITION BY
 *     `device_id` ORDER BY `event_time` ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `sluice_result` ...)
 *   INSERT INTO `sensor_forecasts` SELECT ..., AVG(ABS(`temperature` - `expected`)) OVER (...) AS `running_mae` ...
 */
export function sensorForecast(options: SensorForecastOptions = {}): JobSpec {
  const { readings, sink: forecasts } = sensorReadingsTo(options, "sensor_forecasts", {
    forecast: t.double(),
    error: t.double(),
    running_mae: t.double(),
    updates: t.bigint(),
  });
  const forecaster = model("sensor_forecast_model", readings, {
    key: ["device_id"],
    time: "event_time",
    fn: arForecaster({ value: "temperature", params: options.params ?? FORECAST_PARAMS }),
  });
  const scored = from(forecaster).select((r) => ({
    device_id: r.device_id,
    timestamp: r.event_time,
    temperature: r.temperature,
    forecast: r.expected,
    error: sub(r.temperature, r.expected),
    running_mae: avg(abs(sub(r.temperature, r.expected))).over({
      partitionBy: [r.device_id],
      orderBy: r.event_time,
      rows: "UNBOUNDED",
    }),
    updates: r.n,
  }));
  return defineJob({
    name: "sensor-forecast",
    description:
      "Each reading with its device's online AR forecast, the error and the running mean absolute error",
    kafka: kafkaDefaults(options),
    config: eventTimeConfig(options),
    tables: [readings, forecasts],
    models: [forecaster],
    inserts: [insertInto(forecasts, scored)],
  });
}
