import { themesFor } from "@sluice/model-server";
import { consumeAll, produceRaw, uniqueName, waitFor } from "@sluice/testkit";
import { describe, expect, it } from "vitest";
import {
  type EnrichedReview,
  freshTask,
  freshTaskForFile,
  produceReviews,
  quietModelServer,
  removeTask,
  startTestEnricher,
  waitForInputCommitted,
} from "./setup.ts";

const COUNT = Number(process.env.ENRICHER_IT_COUNT ?? 5000);

describe("enricher on real Kafka with the model server", () => {
  const task = freshTaskForFile(3);

  it("enriches every valid review exactly once and dead-letters the malformed ones", async () => {
    const { run, model, reviews, ends } = await task.prepare({ latencyMs: 10 }, COUNT);
    const started = Date.now();
    const enricher = await startTestEnricher(run, model.url);
    try {
      await waitForInputCommitted(run, ends);
      const elapsedMs = Date.now() - started;
      const output = await consumeAll(run.task.outputTopic);
      const dlq = await consumeAll(run.task.deadLetterTopic);

      const byId = new Map<string, number>();
      for (const record of output) {
        const value = record.value as EnrichedReview;
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

  it("runs the tasks published on the task topic, stops on a tombstone, and serves probes and metrics", async () => {
    const model = await quietModelServer({ latencyMs: 5 });
    const dynamic = await freshTask(2);
    const taskTopic = uniqueName("enricher_it_tasks");
    const { reviews, ends } = await produceReviews(dynamic, 300, 5);
    await produceRaw(taskTopic, [
      { key: "broken", value: "{not a task" },
      { key: dynamic.task.id, value: JSON.stringify(dynamic.task) },
    ]);
    const enricher = await startTestEnricher(dynamic, model.url, {
      ENRICHER_TASK: "",
      ENRICHER_TASK_TOPIC: taskTopic,
    });
    try {
      expect(enricher.tasks()).toEqual([dynamic.task.id]);
      await waitForInputCommitted(dynamic, ends);
      const output = await consumeAll(dynamic.task.outputTopic);
      expect(output.length).toBe(reviews.valid.size);

      expect((await fetch(`${enricher.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${enricher.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "ready", tasks: [dynamic.task.id] });
      const metrics = await waitFor(
        async () => {
          const text = await (await fetch(`${enricher.url}/metrics`)).text();
          return text.includes("sluice_enricher_consumer_lag{") ? text : undefined;
        },
        { timeout: 120_000, description: "lag metric" },
      );
      expect(metrics).toContain(
        `sluice_enricher_records_out_total{task="${dynamic.task.id}"} ${reviews.valid.size}`,
      );
      expect(metrics).toMatch(/sluice_enricher_model_requests_total\{outcome="ok"\} \d+/u);
      expect(metrics).toContain("sluice_enricher_model_request_seconds_bucket");
      expect(metrics).not.toContain("test-key");

      await produceRaw(taskTopic, [{ key: dynamic.task.id, value: null }]);
      await waitFor(() => enricher.tasks().length === 0, { timeout: 120_000, description: "task stopped" });
      expect((await fetch(`${enricher.url}/readyz`)).status).toBe(503);
    } finally {
      await enricher.stop();
      await model.close();
      await removeTask(dynamic, taskTopic);
    }
  });
});
