import { waitFor } from "@sluice/testkit";
import { describe, it } from "vitest";
import type { Enricher } from "../src/index.ts";
import {
  expectEachValidReviewOnce,
  freshTaskForFile,
  startTestEnricher,
  waitForInputCommitted,
} from "./setup.ts";

describe("enrichers as a consumer group", () => {
  const task = freshTaskForFile(4);

  it("share the partitions and keep exactly-once output through rebalances", async () => {
    const { run, model, reviews, ends } = await task.prepare({ latencyMs: 20 }, 3000, 31);
    const start = () =>
      startTestEnricher(run, model.url, {
        ENRICHER_BATCH_SIZE: "5",
        ENRICHER_MAX_CONCURRENCY: "2",
        ENRICHER_CHUNK_SIZE: "50",
      });
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
      const output = await expectEachValidReviewOnce(run, reviews);
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
