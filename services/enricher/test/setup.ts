import type { EnrichmentTask } from "@sluice/flink-jobs";
import { type ModelServer, type ModelServerOptions, startModelServer, themesFor } from "@sluice/model-server";
import {
  type ConsumedRecord,
  committedUpTo,
  consumeAll,
  createTopics,
  deleteTopics,
  endOffsets,
  produceRaw,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, beforeAll, expect } from "vitest";
import { configFromEnv, type Enricher, startEnricher } from "../src/index.ts";
import { makeReviews, type ReviewSet } from "./reviews.ts";

/** Topics and ids of one test run, all unique. */
export interface TestTopics {
  task: EnrichmentTask;
  cacheTopic: string;
  groupId: string;
  transactionalIdPrefix: string;
}

/** A record of the task's output topic: the review with the themes the enricher added. */
export interface EnrichedReview {
  id: string;
  review_text: string;
  themes: string[];
}

/** A themes task on fresh topics (input and output with `partitions` partitions), created now. */
export async function freshTask(partitions: number): Promise<TestTopics> {
  const base = uniqueName("enricher_it");
  const task: EnrichmentTask = {
    id: `${base}.themes`,
    job: base,
    name: "themes",
    inputTopic: `${base}_in`,
    outputTopic: `${base}_out`,
    deadLetterTopic: `${base}_dlq`,
    idField: "id",
    textField: "review_text",
    model: "gpt-4o-mini",
    task: { kind: "themes", outputField: "themes", maxThemes: 5, maxThemeLength: 40 },
  };
  await createTopics([
    { topic: task.inputTopic, partitions },
    { topic: task.outputTopic, partitions },
    { topic: task.deadLetterTopic, partitions: 1 },
  ]);
  return {
    task,
    cacheTopic: `${base}_cache`,
    groupId: `${base}_group`,
    transactionalIdPrefix: `${base}_tx`,
  };
}

/** Deletes the run's topics (the cache topic too, which the enricher created); nothing when there is no run. */
export async function removeTask(run: TestTopics | undefined, ...moreTopics: string[]): Promise<void> {
  if (run === undefined) return;
  const { task } = run;
  await deleteTopics([
    task.inputTopic,
    task.outputTopic,
    task.deadLetterTopic,
    run.cacheTopic,
    ...moreTopics,
  ]);
}

/**
 * Waits until the enricher's consumer group has committed the task's input up to
 * `ends` (from `endOffsets` after producing it): every input record is handled.
 */
export async function waitForInputCommitted(
  run: TestTopics,
  ends: Map<number, bigint>,
  { timeoutMs = 120_000, description = "input consumed" } = {},
): Promise<void> {
  // The enricher's group for a task is `<ENRICHER_GROUP_ID>.<task id>`.
  const groupId = `${run.groupId}.${run.task.id}`;
  await waitFor(() => committedUpTo(groupId, run.task.inputTopic, ends), { timeout: timeoutMs, description });
}

/** The environment of an enricher for a test run. */
export function enricherEnv(
  run: TestTopics,
  modelUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLUICE_KAFKA_BROKERS: stackEndpoints().kafkaBrokers.join(","),
    OPENAI_BASE_URL: modelUrl,
    OPENAI_API_KEY: "test-key",
    ENRICHER_TASK: JSON.stringify(run.task),
    ENRICHER_GROUP_ID: run.groupId,
    ENRICHER_TRANSACTIONAL_ID_PREFIX: run.transactionalIdPrefix,
    ENRICHER_CACHE_TOPIC: run.cacheTopic,
    ENRICHER_HTTP_HOST: "127.0.0.1",
    ENRICHER_HTTP_PORT: "0",
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    KAFKA_HEARTBEAT_INTERVAL_MS: "1000",
    KAFKA_REBALANCE_TIMEOUT_MS: "10000",
    ENRICHER_LAG_INTERVAL_MS: "1000",
    ENRICHER_LOG_LEVEL: "warn",
    ...extra,
  };
}

/** A run with its model server started and its input produced. */
export interface PreparedRun {
  run: TestTopics;
  model: ModelServer;
  reviews: ReviewSet;
  /** The input's end offsets once the reviews are produced. */
  ends: Map<number, bigint>;
}

/** The fresh task of a file's tests. */
export interface FileTask {
  run(): TestTopics;
  /** Starts a quiet model server and produces `count` synthetic reviews (the caller closes the server). */
  prepare(model: ModelServerOptions, count: number, seed?: number): Promise<PreparedRun>;
}

/**
 * A fresh task for the tests of one file: created before them, its topics deleted after.
 * Call at the top of a `describe`; use it inside its tests.
 */
export function freshTaskForFile(partitions: number): FileTask {
  let current: TestTopics | undefined;
  beforeAll(async () => {
    current = await freshTask(partitions);
  });
  afterAll(() => removeTask(current));
  const run = () => {
    if (current === undefined) throw new Error("freshTaskForFile: used outside the describe's tests");
    return current;
  };
  return {
    run,
    prepare: async (options, count, seed) => {
      const model = await quietModelServer(options);
      return { run: run(), model, ...(await produceReviews(run(), count, seed)) };
    },
  };
}

/** A model server that does not print its start-up line. */
export function quietModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  return startModelServer({ log: () => {}, ...options });
}

/** Produces `count` synthetic reviews to the task's input; returns them and the input's end offsets. */
export async function produceReviews(
  run: TestTopics,
  count: number,
  seed?: number,
): Promise<{ reviews: ReviewSet; ends: Map<number, bigint> }> {
  const reviews = makeReviews(count, seed);
  await produceRaw(run.task.inputTopic, reviews.records);
  return { reviews, ends: await endOffsets(run.task.inputTopic) };
}

/** An in-process enricher for the run, silent, with `extra` environment settings. */
export function startTestEnricher(
  run: TestTopics,
  modelUrl: string,
  extra: Record<string, string> = {},
): Promise<Enricher> {
  return startEnricher(configFromEnv(enricherEnv(run, modelUrl, extra)), { logger: { log: () => {} } });
}

/**
 * Reads the task's output and checks that it holds each valid review exactly once, with
 * the model server's themes for its text. Returns the output records.
 */
export async function expectEachValidReviewOnce(
  run: TestTopics,
  reviews: ReviewSet,
): Promise<ConsumedRecord[]> {
  const output = await consumeAll(run.task.outputTopic);
  const ids = output.map((r) => (r.value as EnrichedReview).id);
  for (const r of output) {
    const value = r.value as EnrichedReview;
    expect(value.themes).toEqual(themesFor(value.review_text, 5));
  }
  expect(ids.length).toBe(new Set(ids).size);
  expect(new Set(ids)).toEqual(new Set(reviews.valid.keys()));
  return output;
}

/** An enricher's Kafka transactions by outcome (committed, fenced, abandoned, failed), from its /metrics. */
export async function transactionsByOutcome(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^sluice_enricher_transactions_total\{outcome="(\w+)"\} (\d+)$/gmu)) {
    counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}
