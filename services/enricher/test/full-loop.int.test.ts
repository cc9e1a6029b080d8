/**
 * The full review-themes loop on the REAL stack, nothing mocked:
 *
 *   product_reviews -> Flink (review-themes job, compiled from flink-jobs/jobs/review-themes.ts)
 *     -> intermediate request topic -> enricher (in-process, against the model server over HTTP)
 *     -> product_reviews_with_themes -> Flink -> theme counts (per tumbling hour, running totals)
 *
 * The counts Flink writes are compared EXACTLY with counts computed here from
 * `themesFor` (the model server's deterministic themes), lower-cased as the job does.
 *
 * Both hops are exactly-once: Flink writes the requests in Kafka transactions committed
 * on each checkpoint (so the enricher, reading committed, sees them one checkpoint
 * interval late), and the enricher writes its output transactionally. Every review is
 * enriched once (checked below) and counted once.
 *
 * Event time: the enricher passes each review's own `created_at` through, and the
 * enriched source's watermark is `created_at - 5 s`. The last window only closes when a
 * later review arrives, so the input ends with a "flush" review a day later. It has
 * themes of its own: they count in the running totals (not windowed) but its own
 * window never closes, so it must not appear in the windowed counts.
 *
 * Run: npx vitest run --project integration services/enricher/test/full-loop.int.test.ts
 */

import { type CompiledJob, compileJob, type EnrichmentTask } from "@sluice/flink-jobs";
import { reviewThemes } from "@sluice/flink-jobs/jobs";
import { type ModelServer, seededRandom, startModelServer, themesFor } from "@sluice/model-server";
import {
  type ConsumedRecord,
  consumeAll,
  latestByKey,
  produceJson,
  readSink,
  StackResources,
  sqlTimestamp,
  stackEndpoints,
  stackFlinkClient,
  uniqueName,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, type Enricher, startEnricher } from "../src/index.ts";

const endpoints = stackEndpoints();
const flink = stackFlinkClient();

const HOUR = 3_600_000;
const REVIEW_COUNT = 300;
const MAX_THEMES = 5;

/** What this file started; `afterAll` stops and deletes it, pass or fail. */
const stack = new StackResources(flink);
const started = {
  enricher: undefined as Enricher | undefined,
  model: undefined as ModelServer | undefined,
};

beforeAll(async () => {
  expect((await flink.gateway.info()).version).toMatch(/^2\./);
});

afterAll(async () => {
  // The enricher before the topics go: its consumer would ask for (and auto-create) them.
  await started.enricher?.stop();
  await started.model?.close();
  // The Flink job, stopped, then the topics.
  await stack.cleanUp();
  await flink.close();
});

// ---------------------------------------------------------------------------
// Input: seeded reviews with duplicated texts and mixed-case words
// ---------------------------------------------------------------------------

interface Review {
  review_id: string;
  product_id: string;
  review_text: string;
  created_at: string;
}

const FRAGMENTS = [
  "the battery lasts two days",
  "shipping was slow",
  "fair price for what you get",
  "the screen is bright and sharp",
  "customer support answered within the hour",
  "the box arrived crushed",
  "sound is crisp",
  "very comfortable to hold",
  "setup took minutes",
  "it broke after a week",
  "a great gift for my dog",
  "the app keeps crashing",
  "lovely",
  "would buy again",
];

/** Upper-cases or capitalises some words, as people write ("The BATTERY Lasts"). */
function mixCase(text: string, random: () => number): string {
  return text
    .split(" ")
    .map((word) => {
      const roll = random();
      if (roll < 0.15) return word.toUpperCase();
      if (roll < 0.4) return word.charAt(0).toUpperCase() + word.slice(1);
      return word;
    })
    .join(" ");
}

/**
 * `count` reviews in event-time order from `start`, about 40 s apart (so ~3.3 hours, four
 * tumbling hours). One in three repeats an earlier review's text exactly; the rest join
 * one to three fragments and mix their case, so case variants of one text also occur.
 */
function makeReviews(count: number, start: number, seed: number): Review[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const reviews: Review[] = [];
  for (let i = 0; i < count; i++) {
    let text: string;
    const earlier = reviews[Math.floor(random() * reviews.length)];
    if (earlier !== undefined && random() < 1 / 3) {
      text = earlier.review_text;
    } else {
      const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(FRAGMENTS));
      text = `${mixCase(parts.join(", "), random)}.`;
    }
    reviews.push({
      review_id: `r-${String(i).padStart(4, "0")}`,
      product_id: `p-${Math.floor(random() * 7)}`,
      review_text: text,
      created_at: sqlTimestamp(start + i * 40_000 + Math.floor(random() * 3_000)),
    });
  }
  return reviews;
}

const epochMillis = (sql: string) => Date.parse(`${sql.replace(" ", "T")}Z`);

// ---------------------------------------------------------------------------
// Reading the sinks
// ---------------------------------------------------------------------------

interface WindowedCount {
  window_start: string;
  window_end: string;
  theme: string;
  theme_count: number;
}

const byWindowAndTheme = (a: WindowedCount, b: WindowedCount) =>
  a.window_start.localeCompare(b.window_start) || a.theme.localeCompare(b.theme);

const sortedObject = (entries: Iterable<[string, number]>) =>
  Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));

// ---------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------

describe("review-themes full loop: Flink -> enricher -> Flink", () => {
  it("counts exactly the model server's themes per tumbling hour and as running totals", async () => {
    // One partition each: one reader, so one watermark and a stable order. (The job's source
    // idle timeout would let an empty partition of a multi-partition topic go idle.)
    const topics = await stack.uniqueTopics(
      "product_reviews",
      "review_requests",
      "product_reviews_with_themes",
      "theme_counts_windowed",
      "theme_counts_total",
    );
    const spec = reviewThemes({
      reviewsTopic: topics.product_reviews,
      requestTopic: topics.review_requests,
      enrichedTopic: topics.product_reviews_with_themes,
      windowedCountsTopic: topics.theme_counts_windowed,
      totalCountsTopic: topics.theme_counts_total,
      maxThemes: MAX_THEMES,
      bootstrapServers: endpoints.kafkaBrokers.join(","),
    });
    const compiled: CompiledJob = compileJob(spec);
    expect(compiled.enrichmentTasks).toHaveLength(1);
    const task = compiled.enrichmentTasks[0] as EnrichmentTask;
    // The task the compiler hands the enricher joins the two halves of the job.
    expect([task.inputTopic, task.outputTopic]).toEqual([
      topics.review_requests,
      topics.product_reviews_with_themes,
    ]);
    const cacheTopic = uniqueName("loop_enricher_cache");
    stack.track(cacheTopic); // the enricher creates it
    await stack.createTopics([task.deadLetterTopic]);

    // --- input -------------------------------------------------------------
    const start = Date.UTC(2024, 4, 6, 8, 0, 0);
    const reviews = makeReviews(REVIEW_COUNT, start, 20240506);
    const flush: Review = {
      review_id: "r-flush",
      product_id: "p-flush",
      review_text: "Bought it as a GIFT for my Dog.",
      created_at: sqlTimestamp(start + 24 * HOUR),
    };
    const flushThemes = themesFor(flush.review_text, MAX_THEMES);
    expect(flushThemes).toEqual(["gift", "pets"]);
    await produceJson(topics.product_reviews, [...reviews, flush]);

    // --- expected counts, from the model server's deterministic themes ------
    const perWindow = new Map<string, WindowedCount>();
    const totals = new Map<string, number>();
    for (const review of reviews) {
      const windowStart = Math.floor(epochMillis(review.created_at) / HOUR) * HOUR;
      for (const theme of themesFor(review.review_text, MAX_THEMES).map((t) => t.toLowerCase())) {
        const key = `${windowStart}|${theme}`;
        const row = perWindow.get(key) ?? {
          window_start: sqlTimestamp(windowStart),
          window_end: sqlTimestamp(windowStart + HOUR),
          theme,
          theme_count: 0,
        };
        row.theme_count += 1;
        perWindow.set(key, row);
        totals.set(theme, (totals.get(theme) ?? 0) + 1);
      }
    }
    // The flush review's themes are in the running totals; its window never closes.
    for (const theme of flushThemes) totals.set(theme, (totals.get(theme) ?? 0) + 1);
    const expectedWindowed = [...perWindow.values()].sort(byWindowAndTheme);
    const expectedTotals = sortedObject(totals);
    const uniqueTexts = new Set([...reviews, flush].map((r) => r.review_text)).size;
    // The input really has what the test is about: several windows, duplicates, case variants.
    expect(new Set(expectedWindowed.map((w) => w.window_start)).size).toBe(4);
    expect(uniqueTexts).toBeLessThan(REVIEW_COUNT * 0.8);
    expect(new Set(reviews.map((r) => r.review_text.toLowerCase())).size).toBeLessThan(
      new Set(reviews.map((r) => r.review_text)).size,
    );
    expect(reviews.some((r) => themesFor(r.review_text).length === 0)).toBe(true);

    // --- the enricher, against the model server --------------------------------
    const model = await startModelServer({ latencyMs: 20, log: () => {} });
    started.model = model;
    const base = uniqueName("loop_enricher");
    const config = configFromEnv({
      SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: "test-key",
      ENRICHER_TASK: JSON.stringify(task),
      ENRICHER_GROUP_ID: `${base}_group`,
      ENRICHER_TRANSACTIONAL_ID_PREFIX: `${base}_tx`,
      ENRICHER_CACHE_TOPIC: cacheTopic,
      ENRICHER_HTTP_HOST: "127.0.0.1",
      ENRICHER_HTTP_PORT: "0",
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      KAFKA_HEARTBEAT_INTERVAL_MS: "1000",
      KAFKA_REBALANCE_TIMEOUT_MS: "10000",
      ENRICHER_LOG_LEVEL: "warn",
    });
    const enricher = await startEnricher(config, { logger: { log: () => {} } });
    started.enricher = enricher;
    expect(enricher.tasks()).toEqual([task.id]);

    // --- the Flink job ------------------------------------------------------
    const jobId = await stack.runJob(compiled, `it-full-loop-${uniqueName("run")}`, { timeoutMs: 60_000 });

    // --- the enriched topic: every review once, with the server's themes -----
    const enriched = await consumeAll(topics.product_reviews_with_themes, {
      expected: REVIEW_COUNT + 1,
      timeoutMs: 90_000,
    });
    const enrichedById = new Map<string, { created_at: string; themes: string[] }>();
    for (const r of enriched) {
      const value = r.value as Review & { themes: string[] };
      expect(enrichedById.has(value.review_id), `${value.review_id} enriched twice`).toBe(false);
      enrichedById.set(value.review_id, value);
    }
    expect(enriched).toHaveLength(REVIEW_COUNT + 1);
    for (const review of [...reviews, flush]) {
      const out = enrichedById.get(review.review_id);
      // The review's own event time is carried through: Flink's windows see what was produced.
      expect(out?.created_at).toBe(review.created_at);
      expect(out?.themes).toEqual(themesFor(review.review_text, MAX_THEMES));
    }

    // --- windowed counts: one insert-only record per (window, theme) ---------
    const windowed = await readSink(flink, topics.theme_counts_windowed, {
      jobId,
      done: (records) => records.length >= expectedWindowed.length,
      timeoutMs: 100_000,
    });
    const windowedRows = windowed.map((r) => r.value as WindowedCount).sort(byWindowAndTheme);
    expect(windowedRows).toEqual(expectedWindowed);
    expect(windowedRows.some((w) => epochMillis(w.window_start) >= start + 24 * HOUR)).toBe(false);

    // --- running totals: the latest value per theme of the upsert changelog ---
    const totalsOf = (records: ConsumedRecord[]) =>
      sortedObject(
        [...latestByKey(records).values()].map((v) => {
          const row = v as { theme: string; theme_count: number };
          return [row.theme, row.theme_count];
        }),
      );
    const totalRecords = await readSink(flink, topics.theme_counts_total, {
      jobId,
      done: (records) => JSON.stringify(totalsOf(records)) === JSON.stringify(expectedTotals),
      timeoutMs: 100_000,
    });
    expect(totalsOf(totalRecords)).toEqual(expectedTotals);

    // --- batching, caching, no dead letters ------------------------------------
    const stats = model.stats();
    // Each distinct text is asked about once, several per request.
    expect(stats.records).toBe(uniqueTexts);
    expect(stats.requests * 5).toBeLessThanOrEqual(REVIEW_COUNT);
    const dlq = await consumeAll(task.deadLetterTopic, { idleMs: 2_000, timeoutMs: 20_000 });
    expect(dlq.map((r) => [r.key, r.headers["sluice-error-code"]])).toEqual([]);

    console.log(
      `[full-loop] reviews=${REVIEW_COUNT}+1 flush, unique texts=${uniqueTexts}, ` +
        `model requests=${stats.requests}, model records=${stats.records}, ` +
        `windowed rows=${windowedRows.length} over ${new Set(windowedRows.map((w) => w.window_start)).size} windows, ` +
        `themes in totals=${Object.keys(expectedTotals).length}, theme occurrences=${[...totals.values()].reduce((a, b) => a + b, 0)}, ` +
        `dead letters=${dlq.length}`,
    );
  });
});
