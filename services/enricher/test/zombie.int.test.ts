/**
 * Zombies cannot add output. An enricher frozen (SIGSTOP) in the middle of its work
 * wakes up (SIGCONT) with a chunk in hand after its partitions' transactional ids were
 * taken by their next owner:
 * - with its group session expired and another member (B) owning every partition: it
 *   gives its chunk up (or is fenced) and commits nothing;
 * - still a member, but its partitions' producers fenced (what the next owner's
 *   producers do, provoked here with the same transactional ids): its commit fails
 *   with a fencing error, which it reports, and it recovers.
 * Either way the output holds each valid review exactly once.
 */
import { kafkaClient, waitFor } from "@sluice/testkit";
import type { Producer } from "kafkajs";
import { describe, expect, it } from "vitest";
import { EnricherProcesses } from "./child.ts";
import {
  enricherEnv,
  expectEachValidReviewOnce,
  freshTaskForFile,
  type TestTopics,
  transactionsByOutcome,
  waitForInputCommitted,
} from "./setup.ts";

/** Small batches and chunks at low concurrency: the enricher holds a chunk for seconds. */
const SLOW = { ENRICHER_BATCH_SIZE: "5", ENRICHER_MAX_CONCURRENCY: "2", ENRICHER_CHUNK_SIZE: "100" };

/** The transactional id of input partition `partition` (the enricher's scheme). */
const transactionalId = (run: TestTopics, partition: number) =>
  `${run.transactionalIdPrefix}-${run.task.id}-${run.task.inputTopic}-${partition}`;

describe("a frozen enricher whose group session expired meanwhile", () => {
  const task = freshTaskForFile(2);

  it("commits nothing once another member owns its partitions", async () => {
    const { run, model, reviews, ends } = await task.prepare({ latencyMs: 200 }, 600, 41);
    const processes = new EnricherProcesses(`${run.groupId}-session`);
    try {
      const a = await processes.spawn(enricherEnv(run, model.url, SLOW));
      await waitFor(() => model.stats().requests >= 3, {
        timeout: 60_000,
        description: "A calling the model",
      });
      a.process.kill("SIGSTOP");
      await processes.spawn(enricherEnv(run, model.url, SLOW));
      await waitForInputCommitted(run, ends, {
        timeoutMs: 180_000,
        description: "B committed every input record",
      });
      a.process.kill("SIGCONT");
      // A holds a chunk: it must report it not committed (given up on noticing the
      // rebalance, or fenced at its commit), and nothing of it may become visible.
      const outcomes = await waitFor(
        async () => {
          const counts = await transactionsByOutcome(a.url).catch(() => undefined);
          return counts && (counts.abandoned ?? 0) + (counts.fenced ?? 0) > 0 ? counts : undefined;
        },
        { timeout: 60_000, description: "A reporting its chunk not committed" },
      );
      await expectEachValidReviewOnce(run, reviews);
      console.log(`[enricher zombie] A's transactions after waking: ${JSON.stringify(outcomes)}`);
    } finally {
      await processes.stopAll(5000);
      await model.close();
    }
  });
});

describe("a frozen enricher whose partitions' transactional ids were taken meanwhile", () => {
  const task = freshTaskForFile(2);

  it("is fenced at its commit, says so, and recovers", async () => {
    const { run, model, reviews, ends } = await task.prepare({ latencyMs: 200 }, 600, 43);
    const processes = new EnricherProcesses(`${run.groupId}-fenced`);
    const fencers: Producer[] = [];
    try {
      // A long session: A stays a member while frozen, so only fencing can stop it.
      const a = await processes.spawn(
        enricherEnv(run, model.url, {
          ...SLOW,
          KAFKA_SESSION_TIMEOUT_MS: "30000",
          KAFKA_HEARTBEAT_INTERVAL_MS: "3000",
          KAFKA_REBALANCE_TIMEOUT_MS: "30000",
        }),
      );
      await waitFor(() => model.stats().requests >= 3, {
        timeout: 60_000,
        description: "A calling the model",
      });
      a.process.kill("SIGSTOP");
      for (const partition of [0, 1]) {
        const fencer = kafkaClient("zombie-fencer").producer({
          transactionalId: transactionalId(run, partition),
          idempotent: true,
          maxInFlightRequests: 1,
        });
        fencers.push(fencer);
        await fencer.connect();
        // The transactional InitProducerId (kafkajs runs it at the first transaction).
        await (await fencer.transaction()).abort();
      }
      a.process.kill("SIGCONT");
      await waitForInputCommitted(run, ends, {
        timeoutMs: 180_000,
        description: "A committed every input record",
      });
      const outcomes = await transactionsByOutcome(a.url);
      console.log(`[enricher zombie] A's transactions after being fenced: ${JSON.stringify(outcomes)}`);
      expect(outcomes.fenced ?? 0).toBeGreaterThanOrEqual(1);
      await expectEachValidReviewOnce(run, reviews);
    } finally {
      for (const fencer of fencers) await fencer.disconnect().catch(() => {});
      await processes.stopAll(5000);
      await model.close();
    }
  });
});
