/** The project's own job definitions (the acceptance pipelines of docs/ARCHITECTURE.md). */
export { type ClicksWithProductsOptions, clicksWithProducts } from "./clicks-with-products.ts";
export { type ReviewThemesOptions, reviewThemes } from "./review-themes.ts";
export { type SensorAnomaliesOptions, sensorAnomalies } from "./sensor-anomalies.ts";
export { type SensorZscoreOptions, sensorZscore } from "./sensor-zscore.ts";
export { type TransactionsHourlyOptions, transactionsHourly } from "./transactions-hourly.ts";
