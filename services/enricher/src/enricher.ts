import { type EnrichmentTask, enrichmentTaskSchema } from "@sluice/flink-jobs";
import { ThemeCache } from "./cache.ts";
import { ConcurrencyController } from "./concurrency.ts";
import type { EnricherConfig } from "./config.ts";
import { EnrichmentEngine, ModelUnavailableError, taskKind } from "./engine.ts";
import { startHttpServer } from "./http.ts";
import {
  type Chunk,
  type CompactedReader,
  KafkaGateway,
  type OutputRecord,
  type TransactionalConsumer,
} from "./kafka.ts";
import { jsonLogger, type Logger } from "./log.ts";
import { EnricherMetrics } from "./metrics.ts";
import { type ModelClient, OpenAIModelClient } from "./model-client.ts";
import { deadLetterRecord, enrichedRecord, parseReview } from "./records.ts";

/** A running enricher. */
export interface Enricher {
  readonly metrics: EnricherMetrics;
  /** Base URL of the metrics/health server. */
  readonly url: string;
  /** Ids of the tasks running now. */
  tasks(): string[];
  /** Stops consuming, finishes or abandons the chunk in hand (uncommitted), closes everything. */
  stop(): Promise<void>;
}

/** Replaceable parts (tests). */
export interface EnricherOptions {
  modelClient?: ModelClient;
  logger?: Logger;
}

interface RunningTask {
  task: EnrichmentTask;
  consumer: TransactionalConsumer;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Starts the enrichment service: loads the theme cache from its compacted topic, runs
 * the static task or every task on the task topic (one consumer group per task,
 * `<groupId>.<task id>`), and serves `/metrics`, `/healthz`, `/readyz`.
 *
 * @example
 * const enricher = await startEnricher(configFromEnv());
 * // ... later
 * await enricher.stop();
 */
export async function startEnricher(
  config: EnricherConfig,
  options: EnricherOptions = {},
): Promise<Enricher> {
  const logger = options.logger ?? jsonLogger(config.logLevel);
  const metrics = new EnricherMetrics();
  const gateway = new KafkaGateway(config.kafka, logger);
  const running = new Map<string, RunningTask>();
  let kafkaConnected = false;
  let cacheLoaded = false;
  let stopping = false;

  const http = await startHttpServer(
    metrics,
    {
      kafkaConnected: () => kafkaConnected && [...running.values()].every((r) => r.consumer.healthy()),
      cacheLoaded: () => cacheLoaded,
      tasks: () => [...running.keys()],
    },
    config.http.host,
    config.http.port,
  );

  const cleanups: (() => Promise<void>)[] = [async () => void (await http.app.close())];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((error: unknown) =>
        logger.log("warn", "error while stopping", { error: String(error) }),
      );
    }
  };

  try {
    await gateway.connect();
    kafkaConnected = true;
    cleanups.push(() => gateway.close());

    // The cache: memory LRU in front, a compacted topic behind (survives restarts and is
    // shared by the instances of a group).
    const cache = new ThemeCache(config.cache.maxEntries);
    await gateway.ensureTopics([{ topic: config.cache.topic, compacted: true, partitions: 1 }]);
    const cacheReader = await gateway.readCompacted(config.cache.topic, (key, value) => {
      if (value === null) return;
      try {
        const result: unknown = JSON.parse(value.toString("utf8"));
        if (result !== null) cache.set(key, result);
      } catch {
        // A bad cache entry costs one model call, nothing else.
      }
    });
    cleanups.push(() => cacheReader.stop());
    await cacheReader.caughtUp;
    cacheLoaded = true;
    metrics.cacheSize.set(cache.size);
    logger.log("info", "theme cache loaded", { entries: cache.size, topic: config.cache.topic });

    // Cache entries are written as soon as the model answers, outside the output
    // transactions: a crash before the commit must not make the next run pay again.
    // One send at a time; entries arriving meanwhile go out together in the next one.
    const cacheProducer = await gateway.producer();
    let pendingEntries: OutputRecord[] = [];
    let sending: Promise<void> | undefined;
    const flushCache = (): Promise<void> => {
      if (sending) return sending;
      if (pendingEntries.length === 0) return Promise.resolve();
      const entries = pendingEntries;
      pendingEntries = [];
      sending = cacheProducer
        .send(entries)
        .catch((error: unknown) =>
          logger.log("warn", "cache write failed", { error: String(error), entries: entries.length }),
        )
        .finally(() => {
          sending = undefined;
          void flushCache();
        });
      return sending;
    };
    cleanups.push(async () => {
      while (sending || pendingEntries.length > 0) await flushCache();
      await cacheProducer.close();
    });

    const controller = new ConcurrencyController({
      ...config.concurrency,
      tokensPerRequest: config.batch.maxTokens,
      onPause: (until) => {
        // Back-pressure: while the provider's budget is spent, stop fetching input
        // rather than holding more records in memory.
        for (const r of running.values()) {
          if (until === undefined) r.consumer.resume();
          else if (until - Date.now() >= 500) r.consumer.pause();
        }
        if (until !== undefined) {
          logger.log("debug", "model requests paused", { ms: until - Date.now() });
        }
      },
    });
    cleanups.push(async () => controller.close());
    metrics.concurrencyLimit.set(controller.limit);

    const modelClient =
      options.modelClient ??
      new OpenAIModelClient({
        baseURL: config.openai.baseURL,
        apiKey: config.openai.apiKey,
        timeoutMs: config.openai.requestTimeoutMs,
      });
    const engine = new EnrichmentEngine({
      model: modelClient,
      controller,
      cache,
      limits: config.batch,
      backoff: config.retry,
      metrics,
      onCacheEntry: (key, value) => {
        pendingEntries.push({ topic: config.cache.topic, key, value: JSON.stringify(value) });
        void flushCache();
      },
    });

    const handleChunk = async (task: EnrichmentTask, chunk: Chunk): Promise<OutputRecord[]> => {
      metrics.recordsIn.inc({ task: task.id }, chunk.records.length);
      const parsed = chunk.records.map((record) => ({ record, review: parseReview(record.value, task) }));
      const reviews = parsed.flatMap((p) => (p.review.kind === "review" ? [p.review] : []));
      const model = config.openai.model ?? task.model;
      // A provider outage is not the records' fault: keep the chunk (bounded memory,
      // consumer paused through the controller's gate) and try again.
      let attempt = 0;
      for (;;) {
        try {
          const outcomes = await engine.enrich(reviews, { task, model, signal: chunk.signal });
          let i = 0;
          return parsed.map(({ record, review }) => {
            if (review.kind === "malformed") {
              return deadLetterRecord(task, record, review.code, review.message);
            }
            const outcome = outcomes[i++];
            if (outcome === undefined) throw new Error("engine returned too few outcomes");
            return outcome.kind === "enriched"
              ? enrichedRecord(task, record, review.value, outcome.value)
              : deadLetterRecord(task, record, outcome.code, outcome.message);
          });
        } catch (error) {
          if (chunk.signal.aborted) throw error;
          // Not this chunk's abort: the provider stayed unavailable, or a duplicate text
          // this chunk waited for belonged to another partition's chunk that was given up.
          // Either way nothing is committed; wait and enrich the same chunk again (what
          // was answered meanwhile is in the cache).
          attempt += 1;
          const wait = Math.min(config.retry.maxDelayMs, config.retry.baseMs * 2 ** attempt);
          logger.log(
            error instanceof ModelUnavailableError ? "warn" : "error",
            "chunk not enriched; retrying",
            {
              task: task.id,
              partition: chunk.partition,
              waitMs: wait,
              error: String(error),
            },
          );
          await delay(wait, chunk.signal);
        }
      }
    };

    let taskQueue: Promise<void> = Promise.resolve();
    const stopTask = async (id: string) => {
      const current = running.get(id);
      if (!current) return;
      running.delete(id);
      await current.consumer.stop();
      logger.log("info", "task stopped", { task: id });
    };
    const startTask = async (task: EnrichmentTask) => {
      try {
        taskKind(task, modelClient);
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
        handle: (chunk) => handleChunk(task, chunk),
        onCommitted: (_chunk, outputs) => {
          metrics.transactions.inc({ outcome: "committed" });
          for (const out of outputs) {
            if (out.topic === task.outputTopic && !out.headers) metrics.recordsOut.inc({ task: task.id });
            else
              metrics.deadLetters.inc({
                task: task.id,
                reason: out.headers?.["sluice-error-code"] ?? "unknown",
              });
          }
        },
      });
      running.set(task.id, { task, consumer });
      logger.log("info", "task started", { task: task.id, input: task.inputTopic, output: task.outputTopic });
    };
    const applyTask = (id: string, task: EnrichmentTask | undefined) => {
      taskQueue = taskQueue
        .then(async () => {
          if (stopping) return;
          const current = running.get(id);
          if (task && current && JSON.stringify(current.task) === JSON.stringify(task)) return;
          await stopTask(id);
          if (task) await startTask(task);
        })
        .catch((error: unknown) =>
          logger.log("error", "task change failed", { task: id, error: String(error) }),
        );
    };
    cleanups.push(async () => {
      stopping = true;
      await taskQueue;
      await Promise.all([...running.keys()].map(stopTask));
    });

    if (config.staticTask) {
      await startTask(config.staticTask);
    } else {
      await gateway.ensureTopics([{ topic: config.taskTopic, compacted: true, partitions: 1 }]);
      const taskReader: CompactedReader = await gateway.readCompacted(config.taskTopic, (key, value) => {
        if (value === null) return applyTask(key, undefined);
        let json: unknown;
        try {
          json = JSON.parse(value.toString("utf8"));
        } catch {
          logger.log("error", "task record is not JSON; ignored", { key });
          return;
        }
        const task = enrichmentTaskSchema.safeParse(json);
        if (!task.success || task.data.id !== key) {
          logger.log("error", "invalid task record; ignored", {
            key,
            problems: task.success
              ? ["key differs from task id"]
              : task.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
          });
          return;
        }
        applyTask(key, task.data);
      });
      cleanups.splice(cleanups.length - 1, 0, () => taskReader.stop());
      await taskReader.caughtUp;
      await taskQueue;
    }

    const lagTimer = setInterval(() => {
      for (const { task } of running.values()) {
        gateway
          .lag(`${config.groupId}.${task.id}`, task.inputTopic)
          .then((lag) => {
            for (const [partition, n] of lag) {
              metrics.consumerLag.set(
                { task: task.id, topic: task.inputTopic, partition: String(partition) },
                n,
              );
            }
          })
          .catch(() => {});
      }
    }, config.lagIntervalMs);
    cleanups.push(async () => clearInterval(lagTimer));
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    metrics,
    url: http.url,
    tasks: () => [...running.keys()],
    stop: async () => {
      stopping = true;
      await cleanup();
    },
  };
}
