import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom, startModelServer, themesFor } from "@sluice/model-server";
import { consumeAll, endOffsets, produceRaw, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWriteStream, exited, freePort, spawnEnricher as spawnChild } from "./child.ts";
import { makeReviews } from "./reviews.ts";
import {
  type EnrichedReview,
  enricherEnv,
  freshTask,
  removeTask,
  type TestTopics,
  waitForInputCommitted,
} from "./setup.ts";

const COUNT = Number(process.env.ENRICHER_IT_COUNT ?? 5000);
const KILLS = 5;

describe("enricher killed with SIGKILL while working", () => {
  let run: TestTopics;
  beforeAll(async () => {
    run = await freshTask(3);
  });
  afterAll(() => removeTask(run));

  it("still writes exactly one output per valid review and barely pays twice", async () => {
    // Slow enough (small batches, low concurrency) that the kills land mid-run.
    const model = await startModelServer({ latencyMs: 20, log: () => {} });
    const reviews = makeReviews(COUNT, 11);
    await produceRaw(run.task.inputTopic, reviews.records);
    const ends = await endOffsets(run.task.inputTopic);
    const port = await freePort();
    const env = {
      ...process.env,
      ...enricherEnv(run, model.url, {
        ENRICHER_HTTP_PORT: String(port),
        ENRICHER_BATCH_SIZE: "5",
        ENRICHER_MAX_CONCURRENCY: "2",
        ENRICHER_INITIAL_CONCURRENCY: "2",
        ENRICHER_CHUNK_SIZE: "100",
        ENRICHER_LOG_LEVEL: "info",
      }),
    };
    const logPath = join(tmpdir(), `${run.groupId}.log`);
    const log = createWriteStream(logPath);
    const spawnEnricher = (): ChildProcess => spawnChild(env, log);
    const random = seededRandom(2024);
    const started = Date.now();
    let kills = 0;
    let child = spawnEnricher();
    try {
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
        child.kill("SIGKILL");
        await exited(child);
        kills += 1;
        child = spawnEnricher();
      }
      await waitForInputCommitted(run, ends, { timeoutMs: 300_000, description: "all input committed" });
      const elapsedMs = Date.now() - started;
      const output = await consumeAll(run.task.outputTopic);
      const dlq = await consumeAll(run.task.deadLetterTopic);

      const seen = new Map<string, number>();
      for (const record of output) {
        const value = record.value as EnrichedReview;
        seen.set(value.id, (seen.get(value.id) ?? 0) + 1);
        expect(value.themes).toEqual(themesFor(value.review_text, 5));
      }
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      expect(duplicates).toBe(0);
      expect(output.length).toBe(reviews.valid.size);
      expect(new Set(seen.keys())).toEqual(new Set(reviews.valid.keys()));
      expect(dlq.map((r) => r.key).sort()).toEqual(reviews.malformed.map((m) => m.key).sort());

      const stats = model.stats();
      const repeated = stats.records - reviews.uniqueTexts;
      console.log(
        `[enricher b] kills=${kills} records=${COUNT} valid=${reviews.valid.size} unique texts=${reviews.uniqueTexts} ` +
          `model requests=${stats.requests} model records=${stats.records} repeated=${repeated} ` +
          `output=${output.length} dlq=${dlq.length} time=${elapsedMs}ms (log: ${logPath})`,
      );
      // Cache entries are written as soon as the model answers: a kill loses at most
      // the answers of the last few tens of milliseconds, not the chunk's.
      expect(repeated).toBeGreaterThanOrEqual(0);
      expect(repeated).toBeLessThan(reviews.uniqueTexts * 0.05);
    } finally {
      child.kill("SIGTERM");
      await Promise.race([exited(child), new Promise((r) => setTimeout(r, 15_000))]);
      child.kill("SIGKILL");
      log.end();
      await model.close();
    }
  });
});
