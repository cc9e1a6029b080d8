/**
 * A zombie cannot add output: enricher A is frozen (SIGSTOP) in the middle of its work,
 * its session expires, B takes every partition (its producers, with the same
 * transactional ids, fence A) and finishes; then A is thawed (SIGCONT) with its chunk
 * in hand and tries to go on. The output still holds one record per valid review.
 */
import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startModelServer, themesFor } from "@sluice/model-server";
import { consumeAll, endOffsets, produceRaw, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWriteStream, exited, freePort, spawnEnricher } from "./child.ts";
import { makeReviews } from "./reviews.ts";
import {
  type EnrichedReview,
  enricherEnv,
  freshTask,
  removeTask,
  type TestTopics,
  waitForInputCommitted,
} from "./setup.ts";

describe("a frozen enricher that wakes up after losing its partitions", () => {
  let run: TestTopics;
  beforeAll(async () => {
    run = await freshTask(2);
  });
  afterAll(() => removeTask(run));

  it("cannot commit anything once fenced", async () => {
    const model = await startModelServer({ latencyMs: 200, log: () => {} });
    const reviews = makeReviews(600, 41);
    await produceRaw(run.task.inputTopic, reviews.records);
    const ends = await endOffsets(run.task.inputTopic);
    const log = createWriteStream(join(tmpdir(), `${run.groupId}.log`));
    const envFor = async () => ({
      ...process.env,
      ...enricherEnv(run, model.url, {
        ENRICHER_HTTP_PORT: String(await freePort()),
        ENRICHER_BATCH_SIZE: "5",
        ENRICHER_MAX_CONCURRENCY: "2",
        ENRICHER_CHUNK_SIZE: "100",
      }),
    });
    const children: ChildProcess[] = [];
    try {
      const a = spawnEnricher(await envFor(), log);
      children.push(a);
      await waitFor(() => model.stats().requests >= 3, {
        timeout: 60_000,
        description: "A calling the model",
      });
      a.kill("SIGSTOP");
      const requestsBeforeB = model.stats().records;
      const b = spawnEnricher(await envFor(), log);
      children.push(b);
      await waitForInputCommitted(run, ends, {
        timeoutMs: 180_000,
        description: "B committed every input record",
      });
      a.kill("SIGCONT");
      // Give A time to finish its chunk and try to commit it (fenced) or notice the
      // rebalance; either way nothing of it may become visible.
      await new Promise((r) => setTimeout(r, 8000));

      const output = await consumeAll(run.task.outputTopic);
      const ids = output.map((r) => (r.value as EnrichedReview).id);
      expect(ids.length).toBe(new Set(ids).size);
      expect(new Set(ids)).toEqual(new Set(reviews.valid.keys()));
      for (const r of output) {
        const value = r.value as EnrichedReview;
        expect(value.themes).toEqual(themesFor(value.review_text, 5));
      }
      console.log(
        `[enricher zombie] output=${output.length} valid=${reviews.valid.size} ` +
          `model records before B=${requestsBeforeB} total=${model.stats().records} unique texts=${reviews.uniqueTexts}`,
      );
    } finally {
      for (const child of children) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
        await exited(child);
      }
      log.end();
      await model.close();
    }
  });
});
