import { type CacheStore, openCacheStore } from "./cache-store.ts";
import { ConcurrencyController } from "./concurrency.ts";
import type { EnricherConfig } from "./config.ts";
import { EnrichmentEngine } from "./engine.ts";
import { startHttpServer } from "./http.ts";
import { KafkaGateway } from "./kafka/index.ts";
import { jsonLogger, type Logger } from "./log.ts";
import { EnricherMetrics } from "./metrics.ts";
import { OpenAIModelClient } from "./model-client.ts";
import type { ModelClient } from "./model-protocol.ts";
import { TaskRunner, taskFromRecord } from "./task-runner.ts";

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

/** Closers run last-opened first; a failing one is logged and the others still run. */
class Closers {
  readonly #fns: (() => Promise<void>)[] = [];
  readonly logger: Logger;
  constructor(logger: Logger) {
    this.logger = logger;
  }
  add(fn: () => Promise<void>): void {
    this.#fns.push(fn);
  }
  async closeAll(): Promise<void> {
    for (const fn of this.#fns.splice(0).reverse()) {
      await fn().catch((error: unknown) =>
        this.logger.log("warn", "error while stopping", { error: String(error) }),
      );
    }
  }
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
  let runner: TaskRunner | undefined;
  let kafkaConnected = false;
  let cacheLoaded = false;
  const http = await startHttpServer(
    metrics,
    {
      kafkaConnected: () => kafkaConnected && (runner?.healthy() ?? true),
      cacheLoaded: () => cacheLoaded,
      tasks: () => runner?.ids() ?? [],
    },
    config.http.host,
    config.http.port,
  );
  const closers = new Closers(logger);
  closers.add(async () => void (await http.app.close()));
  try {
    await gateway.connect();
    kafkaConnected = true;
    closers.add(() => gateway.close());

    const store = await openCacheStore(gateway, config.cache, logger);
    closers.add(() => store.stop());
    cacheLoaded = true;
    metrics.cacheSize.set(store.cache.size);
    logger.log("info", "theme cache loaded", { entries: store.cache.size, topic: config.cache.topic });

    const onPause = (until: number | undefined) => runner?.pauseUntil(until);
    const { controller, modelClient, engine } = modelSide(config, options, store, metrics, onPause);
    closers.add(async () => controller.close());
    const tasks = new TaskRunner({ config, gateway, engine, modelClient, metrics, logger });
    runner = tasks;
    await startTasks(config, gateway, tasks, closers);

    const lagTimer = setInterval(() => tasks.reportLag(), config.lagIntervalMs);
    closers.add(async () => clearInterval(lagTimer));
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
  return {
    metrics,
    url: http.url,
    tasks: () => runner?.ids() ?? [],
    stop: () => closers.closeAll(),
  };
}

/** The model side: the adaptive concurrency controller, the model client, the engine. */
function modelSide(
  config: EnricherConfig,
  options: EnricherOptions,
  store: CacheStore,
  metrics: EnricherMetrics,
  onPause: (until: number | undefined) => void,
) {
  const controller = new ConcurrencyController({
    ...config.concurrency,
    tokensPerRequest: config.batch.maxTokens,
    onPause,
  });
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
    cache: store.cache,
    limits: config.batch,
    backoff: config.retry,
    metrics,
    onCacheEntry: (key, value) => store.persist(key, value),
  });
  return { controller, modelClient, engine };
}

/** Runs the static task, or follows the task topic; registers how to stop them. */
async function startTasks(
  config: EnricherConfig,
  gateway: KafkaGateway,
  tasks: TaskRunner,
  closers: Closers,
): Promise<void> {
  if (config.staticTask) {
    closers.add(() => tasks.stop());
    await tasks.start(config.staticTask);
    return;
  }
  await gateway.ensureTopics([{ topic: config.taskTopic, compacted: true, partitions: 1 }]);
  const reader = await gateway.readCompacted(config.taskTopic, (key, value) => {
    const task = taskFromRecord(key, value, closers.logger);
    if (task !== null) tasks.apply(key, task);
  });
  closers.add(() => reader.stop());
  // Closed first: task changes that still arrive are ignored while the tasks stop.
  closers.add(() => tasks.stop());
  await reader.caughtUp;
  await tasks.settled();
}
