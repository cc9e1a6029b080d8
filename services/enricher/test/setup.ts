import type { EnrichmentTask } from "@sluice/flink-jobs";
import {
  committedUpTo,
  createTopics,
  deleteTopics,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";

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
