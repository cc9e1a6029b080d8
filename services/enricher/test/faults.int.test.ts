import { themesFor } from "@sluice/model-server";
import { consumeAll } from "@sluice/testkit";
import { describe, expect, it } from "vitest";
import { type EnrichedReview, freshTaskForFile, startTestEnricher, waitForInputCommitted } from "./setup.ts";

const COUNT = Number(process.env.ENRICHER_FAULTS_COUNT ?? 2000);

describe("enricher under faulty replies and a tight rate limit", () => {
  const task = freshTaskForFile(2);

  it("completes, loses nothing and keeps 429s bounded", async () => {
    // 20% of replies faulty, of every kind; 180 requests per minute for ~350 requests
    // (small batches), so the budget runs out about halfway.
    const { run, model, reviews, ends } = await task.prepare(
      {
        latencyMs: 10,
        rpm: 180,
        tpm: 200_000,
        faults: { "5xx": 0.05, timeout: 0.03, invalid_json: 0.04, wrong_ids: 0.04, truncated: 0.04 },
        faultTimeoutMs: 3000,
        seed: 7,
      },
      COUNT,
      23,
    );
    const started = Date.now();
    const enricher = await startTestEnricher(run, model.url, {
      ENRICHER_REQUEST_TIMEOUT_MS: "1000",
      ENRICHER_BATCH_SIZE: "5",
      ENRICHER_MAX_CONCURRENCY: "16",
      ENRICHER_INITIAL_CONCURRENCY: "8",
    });
    try {
      await waitForInputCommitted(run, ends, { timeoutMs: 400_000 });
      const elapsedMs = Date.now() - started;
      const output = await consumeAll(run.task.outputTopic);
      const dlq = await consumeAll(run.task.deadLetterTopic);

      // Every valid review is accounted for exactly once: enriched, or dead-lettered
      // with a reason after its tries alone.
      const outcome = new Map<string, string[]>();
      const note = (id: string, what: string) => outcome.set(id, [...(outcome.get(id) ?? []), what]);
      for (const record of output) {
        const value = record.value as EnrichedReview;
        expect(value.themes).toEqual(themesFor(value.review_text, 5));
        note(value.id, "out");
      }
      const malformedKeys = new Set(reviews.malformed.map((m) => m.key));
      const dlqValid = dlq.filter((r) => !malformedKeys.has(r.key));
      for (const record of dlqValid) {
        expect(["invalid_response", "id_mismatch"]).toContain(record.headers["sluice-error-code"]);
        note(record.key ?? "", "dlq");
      }
      expect(new Set(outcome.keys())).toEqual(new Set(reviews.valid.keys()));
      expect([...outcome.values()].every((v) => v.length === 1)).toBe(true);
      expect(dlq.length - dlqValid.length).toBe(reviews.malformed.length);

      const stats = model.stats();
      const rateLimited = await enricher.metrics.total(enricher.metrics.rateLimited);
      const faultCount = Object.values(stats.faults).reduce((a, b) => a + b, 0);
      console.log(
        `[enricher c] records=${COUNT} valid=${reviews.valid.size} unique texts=${reviews.uniqueTexts} ` +
          `output=${output.length} dead-lettered valid=${dlqValid.length} model requests=${stats.requests} ` +
          `faults=${JSON.stringify(stats.faults)} (${faultCount}) 429s=${stats.rateLimited} ` +
          `(enricher saw ${rateLimited}) time=${elapsedMs}ms`,
      );
      expect(rateLimited).toBe(stats.rateLimited);
      // Bounded: the controller backs off and waits for the budget instead of hammering.
      expect(stats.rateLimited).toBeLessThan(stats.requests * 0.05);
    } finally {
      await enricher.stop();
      await model.close();
    }
  });
});
