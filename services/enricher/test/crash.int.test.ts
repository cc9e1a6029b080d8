import { seededRandom } from "@sluice/model-server";
import { consumeAll, waitFor } from "@sluice/testkit";
import { describe, expect, it } from "vitest";
import { EnricherProcesses, exited } from "./child.ts";
import { enricherEnv, expectEachValidReviewOnce, freshTaskForFile, waitForInputCommitted } from "./setup.ts";

const COUNT = Number(process.env.ENRICHER_IT_COUNT ?? 5000);
const KILLS = 5;

describe("enricher killed with SIGKILL while working", () => {
  const task = freshTaskForFile(3);

  it("still writes exactly one output per valid review and barely pays twice", async () => {
    // Slow enough (small batches, low concurrency) that the kills land mid-run.
    const { run, model, reviews, ends } = await task.prepare({ latencyMs: 20 }, COUNT, 11);
    const env = enricherEnv(run, model.url, {
      ENRICHER_BATCH_SIZE: "5",
      ENRICHER_MAX_CONCURRENCY: "2",
      ENRICHER_INITIAL_CONCURRENCY: "2",
      ENRICHER_CHUNK_SIZE: "100",
      ENRICHER_LOG_LEVEL: "info",
    });
    const processes = new EnricherProcesses(run.groupId);
    const random = seededRandom(2024);
    const started = Date.now();
    let kills = 0;
    try {
      let child = await processes.spawn(env);
      while (kills < KILLS) {
        // Wait until this incarnation has really started working, then kill it at a
        // random moment within the next second.
        const before = model.stats().records;
        await waitFor(() => model.stats().records > before, {
          timeout: 120_000,
          description: "the enricher to call the model",
        });
        await new Promise((r) => setTimeout(r, Math.floor(random() * 1000)));
        expect(model.stats().records).toBeLessThan(reviews.uniqueTexts + 50); // still mid-run
        child.process.kill("SIGKILL");
        await exited(child.process);
        kills += 1;
        child = await processes.spawn(env);
      }
      await waitForInputCommitted(run, ends, { timeoutMs: 300_000, description: "all input committed" });
      const elapsedMs = Date.now() - started;
      const output = await expectEachValidReviewOnce(run, reviews);
      expect(output.length).toBe(reviews.valid.size);
      const dlq = await consumeAll(run.task.deadLetterTopic);
      expect(dlq.map((r) => r.key).sort()).toEqual(reviews.malformed.map((m) => m.key).sort());

      const stats = model.stats();
      const repeated = stats.records - reviews.uniqueTexts;
      console.log(
        `[enricher b] kills=${kills} records=${COUNT} valid=${reviews.valid.size} unique texts=${reviews.uniqueTexts} ` +
          `model requests=${stats.requests} model records=${stats.records} repeated=${repeated} ` +
          `output=${output.length} dlq=${dlq.length} time=${elapsedMs}ms (log: ${processes.logPath})`,
      );
      // Cache entries are written as soon as the model answers: a kill loses at most
      // the answers of the last few tens of milliseconds, not the chunk's.
      expect(repeated).toBeGreaterThanOrEqual(0);
      expect(repeated).toBeLessThan(reviews.uniqueTexts * 0.05);
    } finally {
      await processes.stopAll();
      await model.close();
    }
  });
});
