import type { JobSpec } from "@sluice/flink-jobs";
import * as flagships from "@sluice/flink-jobs/jobs";

/** The Kafka topics the demo writes to and reads from, suffixed when the demo shares a stack. */
export interface DemoTopics {
  sensorData: string;
  sensorAnomalies: string;
  sensorZscores: string;
  sensorForecasts: string;
  sensorDetections: string;
  productReviews: string;
  reviewsWithThemes: string;
  themeRequests: string;
  themeCountsWindowed: string;
  themeCountsTotal: string;
  transactions: string;
  transactionsHourly: string;
  clicks: string;
  products: string;
  enrichedClicks: string;
}

/** Topic names for a suffix: `sensor_data` or, with suffix `x1`, `sensor_data_x1`. */
export function demoTopics(suffix: string): DemoTopics {
  const t = (name: string) => (suffix ? `${name}_${suffix}` : name);
  return {
    sensorData: t("sensor_data"),
    sensorAnomalies: t("sensor_anomalies"),
    sensorZscores: t("sensor_zscores"),
    sensorForecasts: t("sensor_forecasts"),
    sensorDetections: t("sensor_detections"),
    productReviews: t("product_reviews"),
    reviewsWithThemes: t("product_reviews_with_themes"),
    themeRequests: t("product_reviews_theme_requests"),
    themeCountsWindowed: t("theme_counts_windowed"),
    themeCountsTotal: t("theme_counts_total"),
    transactions: t("transactions"),
    transactionsHourly: t("transactions_hourly"),
    clicks: t("clicks"),
    products: t("products"),
    enrichedClicks: t("enriched_clicks"),
  };
}

export interface FlagshipOptions {
  suffix: string;
  bootstrapServers: string;
  /** °F; the NAB series never exceeds 87 °F, so the demo's default is 80, not the original 100. */
  threshold: number;
  /** When the stack's PostgreSQL runs: hourly totals and theme counts are upserted there too. */
  postgres?: flagships.PostgresOptions | undefined;
}

/**
 * The seven flagship jobs of `flink-jobs/jobs`, wired to the demo's topics. With a suffix the
 * job names get `-<suffix>` too, so that two demos on one Flink cluster never look like
 * duplicates of each other to their APIs.
 *
 * @example
 *   flagshipJobs({ suffix: "", bootstrapServers: "127.0.0.1:9092", threshold: 80 }).map((j) => j.name);
 *   // ["sensor-anomalies", "sensor-zscore", "review-themes", "transactions-hourly", "clicks-with-products",
 *   //  "sensor-forecast", "sensor-detectors"]
 */
export function flagshipJobs(options: FlagshipOptions): JobSpec[] {
  const topics = demoTopics(options.suffix);
  const bootstrapServers = options.bootstrapServers;
  const specs = [
    flagships.sensorAnomalies({
      bootstrapServers,
      threshold: options.threshold,
      inputTopic: topics.sensorData,
      outputTopic: topics.sensorAnomalies,
    }),
    flagships.sensorZscore({
      bootstrapServers,
      inputTopic: topics.sensorData,
      outputTopic: topics.sensorZscores,
    }),
    flagships.reviewThemes({
      bootstrapServers,
      reviewsTopic: topics.productReviews,
      enrichedTopic: topics.reviewsWithThemes,
      requestTopic: topics.themeRequests,
      windowedCountsTopic: topics.themeCountsWindowed,
      totalCountsTopic: topics.themeCountsTotal,
      postgres: options.postgres,
    }),
    flagships.transactionsHourly({
      bootstrapServers,
      inputTopic: topics.transactions,
      outputTopic: topics.transactionsHourly,
      postgres: options.postgres,
    }),
    flagships.clicksWithProducts({
      bootstrapServers,
      clicksTopic: topics.clicks,
      productsTopic: topics.products,
      outputTopic: topics.enrichedClicks,
    }),
    flagships.sensorForecast({
      bootstrapServers,
      inputTopic: topics.sensorData,
      outputTopic: topics.sensorForecasts,
    }),
    flagships.sensorDetectors({
      bootstrapServers,
      inputTopic: topics.sensorData,
      outputTopic: topics.sensorDetections,
    }),
  ];
  return options.suffix ? specs.map((spec) => ({ ...spec, name: `${spec.name}-${options.suffix}` })) : specs;
}
