import type { JobSpec } from "@sluice/flink-jobs";
import { clicksWithProducts } from "./clicks-with-products.ts";
import { reviewThemes } from "./review-themes.ts";
import { sensorAnomalies } from "./sensor-anomalies.ts";
import { sensorZscore } from "./sensor-zscore.ts";
import { transactionsHourly } from "./transactions-hourly.ts";

/** The project's own job definitions (the acceptance pipelines of docs/ARCHITECTURE.md). */
export { type ClicksWithProductsOptions, clicksWithProducts } from "./clicks-with-products.ts";
export { type ReviewThemesOptions, reviewThemes } from "./review-themes.ts";
export { type SensorAnomaliesOptions, sensorAnomalies } from "./sensor-anomalies.ts";
export { type SensorZscoreOptions, sensorZscore } from "./sensor-zscore.ts";
export { type TransactionsHourlyOptions, transactionsHourly } from "./transactions-hourly.ts";

/** Every flagship job with its default options, in a stable order (scripts and tests iterate over them). */
export function flagshipJobs(): JobSpec[] {
  return [sensorAnomalies(), sensorZscore(), reviewThemes(), transactionsHourly(), clicksWithProducts()];
}
