import type { JobSpec } from "@sluice/flink-jobs";
import { clicksWithProducts } from "./clicks-with-products.ts";
import { reviewThemes } from "./review-themes.ts";
import { sensorAnomalies } from "./sensor-anomalies.ts";
import { sensorDetectors } from "./sensor-detectors.ts";
import { sensorForecast } from "./sensor-forecast.ts";
import { sensorZscore } from "./sensor-zscore.ts";
import { transactionsHourly } from "./transactions-hourly.ts";

/** The project's own job definitions (the acceptance pipelines of docs/ARCHITECTURE.md). */
export { type ClicksWithProductsOptions, clicksWithProducts } from "./clicks-with-products.ts";
export {
  DEFAULT_POSTGRES_URL,
  POSTGRES_PASSWORD_SECRET,
  type PostgresOptions,
} from "./postgres.ts";
export { type ReviewThemesOptions, reviewThemes } from "./review-themes.ts";
export { type SensorAnomaliesOptions, sensorAnomalies } from "./sensor-anomalies.ts";
export {
  DETECTOR_PARAMS,
  type SensorDetectorsOptions,
  sensorDetectors,
} from "./sensor-detectors.ts";
export { FORECAST_PARAMS, type SensorForecastOptions, sensorForecast } from "./sensor-forecast.ts";
export { type SensorZscoreOptions, sensorZscore } from "./sensor-zscore.ts";
export { type TradeFilesOptions, tradeFiles } from "./trade-files.ts";
export { type TransactionsHourlyOptions, transactionsHourly } from "./transactions-hourly.ts";

/** Every flagship job with its default options, in a stable order (scripts and tests iterate over them). */
export function flagshipJobs(): JobSpec[] {
  return [
    sensorAnomalies(),
    sensorZscore(),
    reviewThemes(),
    transactionsHourly(),
    clicksWithProducts(),
    sensorForecast(),
    sensorDetectors(),
  ];
}
