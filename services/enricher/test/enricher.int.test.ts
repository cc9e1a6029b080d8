import { startModelServer, themesFor } from "@sluice/model-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, startEnricher } from "../src/index.ts";
import { consumeAll, deleteTopics, groupLag, produceRaw, waitFor } from "./kafka-helpers.ts";
import { makeReviews } from "./reviews.ts";
import { enricherEnv, freshTask, type TestTopics } from "./setup.ts";

const COUNT = Number(process.env.ENRICHER_IT_COUNT ?? 5000);

describe("enricher on real Kafka with the model server", () => {
  let run: TestTopics;
  beforeAll(async () => {
    run = await freshTask(3);
  });
  afterAll(async () => {
    if (run) {
      const { task } = run;
      await deleteTopics([task.inputTopic, task.outputTopic, task.deadLetterTopic, run.cacheTopic]);
    }
  });

  it("enriches every valid review exactly once and dead-letters the malformed ones", async () => {
    const model = await startModelServer({ latencyMs: 10, log: () => {} });
    const reviews = makeReviews(COUNT);
    await produceRaw(run.task.inputTopic, reviews.records);
    const started = Date.now();
    const enricher = await startEnricher(configFromEnv(enricherEnv(run, model.url)), {
      logger: { log: () => {} },
    });
    try {
      await waitFor("input consumed", async () =>
        (await groupLag(`${run.groupId}.${run.task.id}`, run.task.inputTopic)) <= 3 ? true : undefined,
      );
      const elapsedMs = Date.now() - started;
      const output = await consumeAll(run.task.outputTopic);
      const dlq = await consumeAll(run.task.deadLetterTopic);

      const byId = new Map<string, number>();
      for (const record of output) {
        const value = JSON.parse(record.value ?? "null") as {
          id: string;
          review_text: string;
          themes: string[];
        };
        byId.set(value.id, (byId.get(value.id) ?? 0) + 1);
        expect(record.key).toBe(value.id);
        expect(value.themes).toEqual(themesFor(value.review_text, 5));
        expect(value.review_text).toBe(reviews.valid.get(value.id));
      }
      expect(output.length).toBe(reviews.valid.size);
      expect([...byId.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(byId.keys())).toEqual(new Set(reviews.valid.keys()));

      expect(dlq.map((r) => [r.key, r.headers["sluice-error-code"]]).sort()).toEqual(
        reviews.malformed.map((m) => [m.key, m.code]).sort(),
      );
      for (const r of dlq) {
        expect(r.headers["sluice-source-topic"]).toBe(run.task.inputTopic);
        expect(r.headers["sluice-error-message"]).toBeTruthy();
        expect(Number(r.headers["sluice-source-offset"])).toBeGreaterThanOrEqual(0);
      }

      const stats = model.stats();
      const hits = await enricher.metrics.total(enricher.metrics.cacheHits);
      // Each distinct text is asked about once: no duplicate pays a model call.
      expect(stats.records).toBe(reviews.uniqueTexts);
      console.log(
        `[enricher a] records=${COUNT} valid=${reviews.valid.size} unique texts=${reviews.uniqueTexts} ` +
          `dead-lettered=${dlq.length} model requests=${stats.requests} model records=${stats.records} ` +
          `cache hits=${hits} 429s=${stats.rateLimited} time=${elapsedMs}ms`,
      );
    } finally {
      await enricher.stop();
      await model.close();
    }
  });
});
