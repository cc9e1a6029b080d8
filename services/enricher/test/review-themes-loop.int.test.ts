/**
 * The review-themes pipeline with the REAL loop: Flink (the `review-themes` job) writes
 * review requests to the intermediate topic, the enricher asks the model server and writes
 * the reviews with themes, and Flink reads them back (read_committed) and counts themes
 * per tumbling hour and as running totals. The counts are compared exactly with counts
 * computed here from `themesFor`.
 */
import { FlinkClient } from "@sluice/flink-client";
import { compileJob } from "@sluice/flink-jobs";
import { reviewThemes } from "@sluice/flink-jobs/jobs";
import { startModelServer, themesFor } from "@sluice/model-server";
import { createTopics, deleteTopics, stackEndpoints, uniqueName } from "@sluice/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { configFromEnv, startEnricher } from "../src/index.ts";
import { type Consumed, consumeAll, produceRaw, waitFor } from "./kafka-helpers.ts";

const endpoints = stackEndpoints();
const flink = new FlinkClient({ restUrl: endpoints.flinkRestUrl, sqlGatewayUrl: endpoints.sqlGatewayUrl });
const HOUR = 3_600_000;

/** A UTC time as Flink's JSON format writes a TIMESTAMP(3): `2024-03-01 09:00:00.25`. */
function sqlTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/u, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction === "" ? "" : `.${fraction}`}`;
}

/** The latest value per key of an upsert topic. */
function latestByKey(records: Consumed[]): Map<string, unknown> {
  const latest = new Map<string, unknown>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) latest.delete(r.key);
    else latest.set(r.key, JSON.parse(r.value));
  }
  return latest;
}

afterAll(async () => {
  await flink.close();
});

describe("review-themes through Flink, the enricher and back", () => {
  it("counts the themes the enricher found, per hour and in total", async () => {
    const names = {
      reviews: uniqueName("loop_reviews"),
      requests: uniqueName("loop_requests"),
      enriched: uniqueName("loop_enriched"),
      windowed: uniqueName("loop_windowed"),
      totals: uniqueName("loop_totals"),
      cache: uniqueName("loop_cache"),
    };
    await createTopics([names.reviews, names.requests, names.enriched, names.windowed, names.totals]);
    const model = await startModelServer({ latencyMs: 5, log: () => {} });
    const phrases = [
      "The battery lasts two days.",
      "Shipping was slow.",
      "Fair price for what you get.",
      "Customer support answered within the hour.",
      "The box arrived crushed.",
      "I asked for a refund.",
      "Great value.",
    ];
    const start = Date.UTC(2024, 2, 1, 9, 0, 0);
    const reviews = Array.from({ length: 60 }, (_, i) => ({
      review_id: `r-${i}`,
      product_id: `p-${i % 4}`,
      // Texts repeat (i % 20): the enricher pays for 20 distinct texts, not 60.
      review_text: phrases.filter((_, k) => ((i % 20) * (k + 3)) % 7 < 2).join(" ") || "Lovely!",
      created_at: sqlTimestamp(start + i * 180_000),
    }));
    // Far in the future, no themes: closes every window above and counts nowhere.
    const flush = {
      review_id: "r-flush",
      product_id: "p-x",
      review_text: "Lovely!",
      created_at: sqlTimestamp(start + 24 * HOUR),
    };

    const perWindow = new Map<string, number>();
    const totals = new Map<string, number>();
    for (const r of reviews) {
      const windowStart = sqlTimestamp(
        Math.floor((start + Number(r.review_id.slice(2)) * 180_000) / HOUR) * HOUR,
      );
      for (const theme of themesFor(r.review_text, 5)) {
        perWindow.set(`${windowStart}|${theme}`, (perWindow.get(`${windowStart}|${theme}`) ?? 0) + 1);
        totals.set(theme, (totals.get(theme) ?? 0) + 1);
      }
    }
    expect(totals.size).toBeGreaterThanOrEqual(5);

    const compiled = compileJob(
      reviewThemes({
        reviewsTopic: names.reviews,
        requestTopic: names.requests,
        enrichedTopic: names.enriched,
        windowedCountsTopic: names.windowed,
        totalCountsTopic: names.totals,
        bootstrapServers: endpoints.kafkaBrokers.join(","),
      }),
    );
    const [task] = compiled.enrichmentTasks;
    if (!task) throw new Error("the job has no enrichment task");
    const enricher = await startEnricher(
      configFromEnv({
        SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
        OPENAI_BASE_URL: model.url,
        OPENAI_API_KEY: "test-key",
        ENRICHER_TASK: JSON.stringify(task),
        ENRICHER_GROUP_ID: `${names.requests}_group`,
        ENRICHER_TRANSACTIONAL_ID_PREFIX: `${names.requests}_tx`,
        ENRICHER_CACHE_TOPIC: names.cache,
        ENRICHER_HTTP_HOST: "127.0.0.1",
        ENRICHER_HTTP_PORT: "0",
      }),
      { logger: { log: () => {} } },
    );
    let jobId: string | undefined;
    try {
      ({ jobId } = await flink.gateway.executeStatementSet(
        compiled.statements.map((s) => s.sql),
        { sets: { "pipeline.name": `it-enricher-loop-${names.reviews}` } },
      ));
      await flink.rest.waitForJobRunning(jobId, { timeoutMs: 120_000 });
      await produceRaw(
        names.reviews,
        [...reviews, flush].map((r) => ({ key: r.review_id, value: JSON.stringify(r) })),
      );

      const expectedTotals = Object.fromEntries([...totals].sort(([a], [b]) => a.localeCompare(b)));
      const totalsOf = (records: Consumed[]) =>
        Object.fromEntries(
          [...latestByKey(records).values()]
            .map((v) => v as { theme: string; theme_count: number })
            .sort((a, b) => a.theme.localeCompare(b.theme))
            .map((v) => [v.theme, v.theme_count]),
        );
      const totalRecords = await waitFor(
        "running totals",
        async () => {
          const records = await consumeAll(names.totals, { idleMs: 2000 });
          return JSON.stringify(totalsOf(records)) === JSON.stringify(expectedTotals) ? records : undefined;
        },
        180_000,
      );
      expect(totalsOf(totalRecords)).toEqual(expectedTotals);

      const windowed = await consumeAll(names.windowed, { idleMs: 2000 });
      const gotWindows = new Map(
        windowed.map((r) => {
          const v = JSON.parse(r.value ?? "null") as {
            window_start: string;
            theme: string;
            theme_count: number;
          };
          return [`${v.window_start}|${v.theme}`, v.theme_count] as const;
        }),
      );
      expect(Object.fromEntries(gotWindows)).toEqual(Object.fromEntries(perWindow));

      const enriched = await consumeAll(names.enriched, { idleMs: 1000 });
      expect(enriched.length).toBe(reviews.length + 1);
      expect(model.stats().records).toBe(new Set([...reviews, flush].map((r) => r.review_text)).size);
    } finally {
      await enricher.stop();
      await model.close();
      if (jobId) {
        await flink.rest.cancel(jobId).catch(() => undefined);
        await flink.rest
          .waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], { timeoutMs: 60_000 })
          .catch(() => undefined);
      }
      await deleteTopics(Object.values(names));
    }
  });
});
