import { startModelServer, themesFor } from "@sluice/model-server";
import { consumeAll, endOffsets, produceRaw, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, type Enricher, startEnricher } from "../src/index.ts";
import { makeReviews } from "./reviews.ts";
import {
  type EnrichedReview,
  enricherEnv,
  freshTask,
  removeTask,
  type TestTopics,
  waitForInputCommitted,
} from "./setup.ts";

describe("enrichers as a consumer group", () => {
  let run: TestTopics;
  beforeAll(async () => {
    run = await freshTask(4);
  });
  afterAll(() => removeTask(run));

  it("share the partitions and keep exactly-once output through rebalances", async () => {
    const model = await startModelServer({ latencyMs: 20, log: () => {} });
    const reviews = makeReviews(3000, 31);
    await produceRaw(run.task.inputTopic, reviews.records);
    const ends = await endOffsets(run.task.inputTopic);
    const env = enricherEnv(run, model.url, {
      ENRICHER_BATCH_SIZE: "5",
      ENRICHER_MAX_CONCURRENCY: "2",
      ENRICHER_CHUNK_SIZE: "50",
    });
    const start = () => startEnricher(configFromEnv(env), { logger: { log: () => {} } });
    const running: Enricher[] = [];
    try {
      const first = await start();
      running.push(first);
      await waitFor(() => model.stats().records > 200, {
        timeout: 120_000,
        description: "first enricher working",
      });
      // A second member joins mid-run (rebalance), then the first leaves mid-run.
      const second = await start();
      running.push(second);
      await waitFor(async () => (await second.metrics.total(second.metrics.recordsOut)) > 0, {
        timeout: 120_000,
        description: "second enricher working",
      });
      await first.stop();
      running.shift();
      await waitForInputCommitted(run, ends);
      const output = await consumeAll(run.task.outputTopic);
      const ids = output.map((r) => (r.value as EnrichedReview).id);
      for (const r of output) {
        const value = r.value as EnrichedReview;
        expect(value.themes).toEqual(themesFor(value.review_text, 5));
      }
      expect(ids.length).toBe(new Set(ids).size);
      expect(new Set(ids)).toEqual(new Set(reviews.valid.keys()));
      const stats = model.stats();
      console.log(
        `[enricher scale-out] records=3000 unique texts=${reviews.uniqueTexts} output=${output.length} ` +
          `model records=${stats.records} (repeated ${stats.records - reviews.uniqueTexts}) requests=${stats.requests}`,
      );
    } finally {
      for (const e of running) await e.stop();
      await model.close();
    }
  });
});
