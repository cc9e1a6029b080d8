import { setTimeout as sleep } from "node:timers/promises";
import { type EnrichmentTask, enrichmentTaskSchema } from "@sluice/flink-jobs";
import type { EnricherConfig } from "./config.ts";
import type { EnrichmentEngine } from "./engine.ts";
import { ModelUnavailableError } from "./errors.ts";
import type { Chunk, KafkaGateway, OutputRecord, TransactionalConsumer } from "./kafka/index.ts";
import type { Logger } from "./log.ts";
import type { EnricherMetrics } from "./metrics.ts";
import type { ModelClient } from "./model-protocol.ts";
import { deadLetterRecord, enrichedRecord, parseReview } from "./records.ts";
import { taskKind } from "./task-kinds.ts";

/** What the task runner works with. */
export interface TaskRunnerDeps {
  config: EnricherConfig;
  gateway: KafkaGateway;
  engine: EnrichmentEngine;
  modelClient: ModelClient;
  metrics: EnricherMetrics;
  logger: Logger;
}

interface RunningTask {
  task: EnrichmentTask;
  consumer: TransactionalConsumer;
}

/**
 * Runs enrichment tasks, one transactional consumer group per task
 * (`<groupId>.<task id>`). Task changes are applied one at a time, in order.
 */
export class TaskRunner {
  readonly #deps: TaskRunnerDeps;
  readonly #running = new Map<string, RunningTask>();
  #queue: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(deps: TaskRunnerDeps) {
    this.#deps = deps;
  }

  /** Ids of the tasks running now. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  /** Whether every task's consumer still runs. */
  healthy(): boolean {
    return [...this.#running.values()].every((r) => r.consumer.healthy());
  }

  /**
   * Back-pressure: while the provider's budget is spent (until `until`), stop fetching
   * input rather than holding more records in memory; `undefined` resumes.
   */
  pauseUntil(until: number | undefined): void {
    const consumers = [...this.#running.values()].map((r) => r.consumer);
    if (until === undefined) {
      for (const consumer of consumers) consumer.resume();
      return;
    }
    if (until - Date.now() >= 500) for (const consumer of consumers) consumer.pause();
    this.#deps.logger.log("debug", "model requests paused", { ms: until - Date.now() });
  }

  /** Queues a task change: start, restart with a new definition, or stop (`undefined`). */
  apply(id: string, task: EnrichmentTask | undefined): void {
    this.#queue = this.#queue
      .then(async () => {
        if (this.#stopping) return;
        const current = this.#running.get(id);
        if (task && current && JSON.stringify(current.task) === JSON.stringify(task)) return;
        await this.#stopTask(id);
        if (task) await this.start(task);
      })
      .catch((error: unknown) =>
        this.#deps.logger.log("error", "task change failed", { task: id, error: String(error) }),
      );
  }

  /** Resolves once the queued task changes are applied. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** Stops every task; later changes are ignored. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#queue;
    await Promise.all(this.ids().map((id) => this.#stopTask(id)));
  }

  /** Publishes each task's consumer lag as a metric. */
  reportLag(): void {
    const { gateway, config, metrics } = this.#deps;
    for (const { task } of this.#running.values()) {
      gateway
        .lag(`${config.groupId}.${task.id}`, task.inputTopic)
        .then((lag) => {
          for (const [partition, n] of lag) {
            const labels = { task: task.id, topic: task.inputTopic, partition: String(partition) };
            metrics.consumerLag.set(labels, n);
          }
        })
        .catch(() => {});
    }
  }

  /** Starts a task (its topics are created when missing); logs and skips one that cannot run. */
  async start(task: EnrichmentTask): Promise<void> {
    const { config, gateway, logger, metrics } = this.#deps;
    try {
      taskKind(task, this.#deps.modelClient);
    } catch (error) {
      logger.log("error", "task not started", { task: task.id, error: (error as Error).message });
      return;
    }
    await gateway.ensureTopics([{ topic: task.inputTopic, partitions: 1 }]);
    const partitions = Math.max(1, await gateway.partitionCount(task.inputTopic));
    await gateway.ensureTopics([
      { topic: task.outputTopic, partitions },
      { topic: task.deadLetterTopic, partitions: 1 },
    ]);
    const consumer = await gateway.runTransactional({
      groupId: `${config.groupId}.${task.id}`,
      topic: task.inputTopic,
      transactionalId: (partition) =>
        `${config.transactionalIdPrefix}-${task.id}-${task.inputTopic}-${partition}`,
      chunkSize: config.chunkSize,
      partitionsConcurrently: config.partitionsConcurrently,
      handle: (chunk) => this.#handleChunk(task, chunk),
      onCommitted: (_chunk, outputs) => this.#countCommitted(task, outputs),
      onNotCommitted: (_partition, reason) => metrics.transactions.inc({ outcome: reason }),
    });
    this.#running.set(task.id, { task, consumer });
    logger.log("info", "task started", { task: task.id, input: task.inputTopic, output: task.outputTopic });
  }

  async #stopTask(id: string): Promise<void> {
    const current = this.#running.get(id);
    if (!current) return;
    this.#running.delete(id);
    await current.consumer.stop();
    this.#deps.logger.log("info", "task stopped", { task: id });
  }

  #countCommitted(task: EnrichmentTask, outputs: OutputRecord[]): void {
    const { metrics } = this.#deps;
    metrics.transactions.inc({ outcome: "committed" });
    for (const out of outputs) {
      if (out.topic === task.outputTopic && !out.headers) {
        metrics.recordsOut.inc({ task: task.id });
      } else {
        const reason = out.headers?.["sluice-error-code"] ?? "unknown";
        metrics.deadLetters.inc({ task: task.id, reason });
      }
    }
  }

  /**
   * The output records of one chunk. A provider outage is not the records' fault: keep
   * the chunk (bounded memory, consumer paused through the controller's gate) and try
   * again until it is enriched or given up (its signal).
   */
  async #handleChunk(task: EnrichmentTask, chunk: Chunk): Promise<OutputRecord[]> {
    const { config, logger, metrics } = this.#deps;
    metrics.recordsIn.inc({ task: task.id }, chunk.records.length);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#enrichChunk(task, chunk);
      } catch (error) {
        if (chunk.signal.aborted) throw error;
        // Not this chunk's abort: the provider stayed unavailable, or a duplicate text
        // this chunk waited for belonged to another partition's chunk that was given up.
        // Either way nothing is committed; wait and enrich the same chunk again (what
        // was answered meanwhile is in the cache).
        const wait = Math.min(config.retry.maxDelayMs, config.retry.baseMs * 2 ** attempt);
        const level = error instanceof ModelUnavailableError ? "warn" : "error";
        logger.log(level, "chunk not enriched; retrying", {
          task: task.id,
          partition: chunk.partition,
          waitMs: wait,
          error: String(error),
        });
        await sleep(wait, undefined, { signal: chunk.signal }).catch(() => {
          throw chunk.signal.reason;
        });
      }
    }
  }

  async #enrichChunk(task: EnrichmentTask, chunk: Chunk): Promise<OutputRecord[]> {
    const parsed = chunk.records.map((record) => ({ record, review: parseReview(record.value, task) }));
    const reviews = parsed.flatMap((p) => (p.review.kind === "review" ? [p.review] : []));
    const model = this.#deps.config.openai.model ?? task.model;
    const outcomes = await this.#deps.engine.enrich(reviews, { task, model, signal: chunk.signal });
    let i = 0;
    return parsed.map(({ record, review }) => {
      if (review.kind === "malformed") return deadLetterRecord(task, record, review.code, review.message);
      const outcome = outcomes[i++];
      if (outcome === undefined) throw new Error("engine returned too few outcomes");
      return outcome.kind === "enriched"
        ? enrichedRecord(task, record, review.value, outcome.value)
        : deadLetterRecord(task, record, outcome.code, outcome.message);
    });
  }
}

/**
 * The task of one record of the task topic: `undefined` for a tombstone (stop the task),
 * `null` for a record that is not a valid task under its key (logged and ignored).
 */
export function taskFromRecord(
  key: string,
  value: Buffer | null,
  logger: Logger,
): EnrichmentTask | undefined | null {
  if (value === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch {
    logger.log("error", "task record is not JSON; ignored", { key });
    return null;
  }
  const task = enrichmentTaskSchema.safeParse(json);
  if (task.success && task.data.id === key) return task.data;
  logger.log("error", "invalid task record; ignored", {
    key,
    problems: task.success
      ? ["key differs from task id"]
      : task.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
  });
  return null;
}
