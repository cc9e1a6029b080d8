import {
  count,
  enrichment,
  from,
  hours,
  type Interval,
  insertInto,
  type JobSpec,
  lower,
  seconds,
  t,
  table,
  tumble,
  upsertKafka,
  view,
} from "@sluice/flink-jobs";
import {
  type EventTimeJobOptions,
  type ExactlyOnceJobOptions,
  exactlyOnceEventTimeJob,
  jsonTopicSource,
} from "./common.ts";
import { type PostgresOptions, postgresResults, withPostgresRestarts } from "./postgres.ts";

export interface ReviewThemesOptions extends EventTimeJobOptions, ExactlyOnceJobOptions {
  /** Model the enricher asks for themes (default `gpt-4o-mini`). */
  model?: string;
  /** Length of the tumbling windows of theme counts (default 1 hour). */
  window?: Interval;
  maxThemes?: number;
  reviewsTopic?: string;
  /** Where the enricher writes reviews with themes (default `product_reviews_with_themes`). */
  enrichedTopic?: string;
  requestTopic?: string;
  windowedCountsTopic?: string;
  totalCountsTopic?: string;
  /**
   * Also upsert both counts into PostgreSQL (tables `theme_counts_windowed` and
   * `theme_counts_total` of the stack's migrations), where the API can read trending themes.
   */
  postgres?: PostgresOptions;
}

/**
 * Review themes: reviews go through the enricher (an LLM extracts their key
 * themes), come back with `themes: string[]`, and are counted per lower-cased
 * theme, both per tumbling window and as running totals (two upsert-kafka
 * tables the API shows as trending themes).
 */
export function reviewThemes(options: ReviewThemesOptions = {}): JobSpec {
  const productReviews = jsonTopicSource(
    "product_reviews",
    { review_id: t.string(), product_id: t.string(), review_text: t.string(), created_at: t.timestamp(3) },
    options.reviewsTopic,
  );

  const withThemes = enrichment({
    name: "review_themes",
    input: productReviews,
    idField: "review_id",
    textField: "review_text",
    carry: ["product_id", "created_at"],
    task: { kind: "themes", maxThemes: options.maxThemes ?? 5 },
    model: options.model ?? "gpt-4o-mini",
    outputTopic: options.enrichedTopic ?? "product_reviews_with_themes",
    requestTopic: options.requestTopic,
    watermark: { column: "created_at", delay: seconds(5) },
  });

  // One row per (review, theme), the theme lower-cased so "Battery" and "battery" count together.
  const reviewTheme = view(
    "review_theme",
    from(withThemes)
      .crossJoinUnnest((r) => r.themes, "t", "theme")
      .select((r) => ({
        review_id: r.review_id,
        product_id: r.product_id,
        created_at: r.created_at,
        theme: lower(r.theme),
      })),
  );

  // Both count sinks are upsert-kafka: a result re-sent after a failover overwrites its key with the
  // same value, so at-least-once is exact for readers of the latest value per key. The enrichment's
  // request sink is exactly-once (the compiler's default), hence the job's checkpoint interval.
  const windowedCounts = table(
    "theme_counts_windowed",
    { window_start: t.timestamp(3), window_end: t.timestamp(3), theme: t.string(), theme_count: t.bigint() },
    {
      primaryKey: ["window_start", "window_end", "theme"],
      connector: upsertKafka({ topic: options.windowedCountsTopic ?? "theme_counts_windowed" }),
    },
  );
  const totalCounts = table(
    "theme_counts_total",
    { theme: t.string(), theme_count: t.bigint() },
    {
      primaryKey: ["theme"],
      connector: upsertKafka({ topic: options.totalCountsTopic ?? "theme_counts_total" }),
    },
  );

  const perWindow = from(tumble(reviewTheme, "created_at", options.window ?? hours(1)))
    .groupBy((r) => [r.window_start, r.window_end, r.theme])
    .select((r) => ({
      window_start: r.window_start,
      window_end: r.window_end,
      theme: r.theme,
      theme_count: count(),
    }));
  const runningTotals = from(reviewTheme)
    .groupBy((r) => [r.theme])
    .select((r) => ({ theme: r.theme, theme_count: count() }));

  const pg = options.postgres && themeCountsInPostgres(options.postgres);
  const spec = exactlyOnceEventTimeJob(options, {
    name: "review-themes",
    description: "Themes of product reviews (LLM enrichment), counted per window and as running totals",
    tables: [productReviews, windowedCounts, totalCounts, ...(pg ? [pg.windowed, pg.total] : [])],
    enrichments: [withThemes],
    views: [reviewTheme],
    inserts: [
      insertInto(windowedCounts, perWindow),
      insertInto(totalCounts, runningTotals),
      ...(pg ? [insertInto(pg.windowed, perWindow), insertInto(pg.total, runningTotals)] : []),
    ],
  });
  return withPostgresRestarts(spec, options.postgres);
}

/** The theme counts' PostgreSQL tables, keyed like their upsert-kafka twins. */
function themeCountsInPostgres(options: PostgresOptions) {
  return {
    windowed: postgresResults(
      "theme_counts_windowed_pg",
      "theme_counts_windowed",
      {
        window_start: t.timestamp(3),
        window_end: t.timestamp(3),
        theme: t.string(),
        theme_count: t.bigint(),
      },
      ["window_start", "window_end", "theme"],
      options,
    ),
    total: postgresResults(
      "theme_counts_total_pg",
      "theme_counts_total",
      { theme: t.string(), theme_count: t.bigint() },
      ["theme"],
      options,
    ),
  };
}
