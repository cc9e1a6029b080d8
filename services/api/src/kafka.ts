import type { EnrichmentTask } from "@sluice/flink-jobs";
import {
  type Admin,
  type Consumer,
  Kafka,
  type KafkaJSProtocolError,
  logLevel,
  type Producer,
} from "kafkajs";
import { KafkaUnavailableError } from "./errors.ts";

/**
 * Everything the API does with Kafka, behind one small module (docs/ARCHITECTURE.md: a change of client
 * touches one place): publishing enrichment tasks to the compacted task topic the enricher
 * reads, and keeping the latest theme counts of the review-themes job in memory.
 */

/** Publishes enrichment tasks: key = task id, value = the task as JSON; `null` removes one. */
export interface TaskPublisher {
  publish(tasks: readonly EnrichmentTask[]): Promise<void>;
  remove(taskIds: readonly string[]): Promise<void>;
}

export interface ThemeCount {
  theme: string;
  count: number;
}

export interface TrendingThemes {
  /** Running totals, highest first. */
  total: ThemeCount[];
  /** The most recent window that has counts, highest first. */
  latestWindow: { start: string; end: string; themes: ThemeCount[] } | null;
}

/** Reads the theme counts the review-themes job writes (two upsert-kafka topics). */
export interface ThemeCountsSource {
  trending(limit: number): Promise<TrendingThemes>;
}

export interface KafkaOptions {
  brokers: string[];
  taskTopic: string;
  themesTotalTopic: string;
  themesWindowedTopic: string;
}

/**
 * kafkajs behind the two ports above. Connections open lazily on first use, so an API that
 * never runs an enrichment job never talks to Kafka.
 *
 * @example
 * ```ts
 * const kafka = new KafkaGateway({ brokers: ["127.0.0.1:9092"], taskTopic: "sluice.enrichment-tasks", ... });
 * await kafka.publish(compiled.enrichmentTasks);
 * ```
 */
export class KafkaGateway implements TaskPublisher, ThemeCountsSource {
  readonly options: KafkaOptions;
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | undefined;
  private topicReady: Promise<void> | undefined;
  private themes: Promise<ThemeView> | undefined;

  constructor(options: KafkaOptions) {
    this.options = options;
    this.kafka = new Kafka({
      clientId: "sluice-api",
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      retry: { retries: 2 },
    });
  }

  private fail(what: string, error: unknown): never {
    throw new KafkaUnavailableError(
      `${what}: ${error instanceof Error ? error.message : String(error)}`,
      this.options.brokers,
      error,
    );
  }

  private async ensureTaskTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      const admin: Admin = this.kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: this.options.taskTopic,
              numPartitions: 1,
              configEntries: [{ name: "cleanup.policy", value: "compact" }],
            },
          ],
        });
      } finally {
        await admin.disconnect();
      }
    })().catch((error) => {
      this.topicReady = undefined;
      throw error;
    });
    return this.topicReady;
  }

  private async send(messages: { key: string; value: string | null }[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.ensureTaskTopic();
      this.producer ??= (async () => {
        const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return producer;
      })().catch((error) => {
        this.producer = undefined;
        throw error;
      });
      const producer = await this.producer;
      await producer.send({ topic: this.options.taskTopic, acks: -1, messages });
    } catch (error) {
      this.fail(`Publishing to ${this.options.taskTopic}`, error);
    }
  }

  publish(tasks: readonly EnrichmentTask[]): Promise<void> {
    return this.send(tasks.map((task) => ({ key: task.id, value: JSON.stringify(task) })));
  }

  remove(taskIds: readonly string[]): Promise<void> {
    return this.send(taskIds.map((id) => ({ key: id, value: null })));
  }

  async trending(limit: number): Promise<TrendingThemes> {
    this.themes ??= ThemeView.start(this.kafka, this.options).catch((error) => {
      this.themes = undefined;
      throw error;
    });
    let view: ThemeView;
    try {
      view = await this.themes;
    } catch (error) {
      // Kafka answered, but the review-themes job has not created its topics yet: no counts yet
      // (the next call subscribes again).
      if (isUnknownTopic(error)) return { total: [], latestWindow: null };
      this.fail("Reading theme counts", error);
    }
    return view.top(limit);
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    const view = await this.themes?.catch(() => undefined);
    await view?.stop();
  }
}

/** The latest value per key of the two theme-count topics, kept up to date by one consumer. */
class ThemeView {
  readonly totals = new Map<string, number>();
  /** key `start|end` -> theme -> count */
  readonly windows = new Map<string, Map<string, number>>();
  private consumer: Consumer | undefined;

  static async start(kafka: Kafka, options: KafkaOptions): Promise<ThemeView> {
    const view = new ThemeView();
    const consumer = kafka.consumer({ groupId: `sluice-api-themes-${process.pid}-${Date.now()}` });
    view.consumer = consumer;
    await consumer.connect();
    await consumer
      .subscribe({ topics: [options.themesTotalTopic, options.themesWindowedTopic], fromBeginning: true })
      .catch(async (error: unknown) => {
        await consumer.disconnect().catch(() => undefined);
        throw error;
      });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        const key = parse(message.key?.toString("utf8"));
        const value = parse(message.value?.toString("utf8"));
        if (topic === options.themesTotalTopic) view.applyTotal(key, value);
        else view.applyWindow(key, value);
      },
    });
    return view;
  }

  private applyTotal(key: unknown, value: unknown): void {
    const theme = field(key, "theme") ?? field(value, "theme");
    if (typeof theme !== "string") return;
    const count = field(value, "theme_count");
    if (typeof count === "number") this.totals.set(theme, count);
    else this.totals.delete(theme);
  }

  private applyWindow(key: unknown, value: unknown): void {
    const start = field(key, "window_start") ?? field(value, "window_start");
    const end = field(key, "window_end") ?? field(value, "window_end");
    const theme = field(key, "theme") ?? field(value, "theme");
    if (typeof start !== "string" || typeof end !== "string" || typeof theme !== "string") return;
    const id = `${start}|${end}`;
    const counts = this.windows.get(id) ?? new Map<string, number>();
    const count = field(value, "theme_count");
    if (typeof count === "number") counts.set(theme, count);
    else counts.delete(theme);
    this.windows.set(id, counts);
  }

  top(limit: number): TrendingThemes {
    const rank = (counts: Map<string, number>) =>
      [...counts]
        .map(([theme, count]) => ({ theme, count }))
        .sort((a, b) => b.count - a.count || a.theme.localeCompare(b.theme))
        .slice(0, limit);
    const latest = [...this.windows.entries()]
      .filter(([, c]) => c.size > 0)
      .sort(([a], [b]) => b.localeCompare(a))[0];
    const [start, end] = latest ? (latest[0].split("|") as [string, string]) : ["", ""];
    return {
      total: rank(this.totals),
      latestWindow: latest ? { start, end, themes: rank(latest[1]) } : null,
    };
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

function isUnknownTopic(error: unknown): boolean {
  return (error as Partial<KafkaJSProtocolError> | null)?.type === "UNKNOWN_TOPIC_OR_PARTITION";
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
}
