/**
 * Everything the enricher asks of Kafka; this folder is the only place that imports
 * kafkajs (docs/ARCHITECTURE.md: a change of Kafka client touches one place).
 */
import { type Admin, Kafka, logLevel, Partitioners } from "kafkajs";
import type { Logger } from "../log.ts";
import { readCompacted } from "./compacted-reader.ts";
import { toTopicMessages } from "./produce.ts";
import { runTransactional } from "./transactional-consumer.ts";
import type {
  CompactedReader,
  KafkaSettings,
  PlainProducer,
  TopicSpec,
  TransactionalConsumer,
  TransactionalConsumerOptions,
} from "./types.ts";

/** The enricher's Kafka connection. */
export class KafkaGateway {
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  #admin: Admin | undefined;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...rest } = log;
          // kafkajs logs rebalances and retries at ERROR; they are expected here.
          this.#logger.log(level <= logLevel.ERROR ? "warn" : "debug", `kafka: ${message}`, {
            namespace: rest.namespace,
            error: rest.error,
          });
        },
    });
  }

  async #adminClient(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      await admin.connect();
      this.#admin = admin;
    }
    return this.#admin;
  }

  /** Checks the brokers answer (connects the admin client). */
  async connect(): Promise<void> {
    await this.#adminClient();
  }

  async close(): Promise<void> {
    await this.#admin?.disconnect();
    this.#admin = undefined;
  }

  /** Partitions of a topic (fails when it does not exist). */
  async partitionCount(topic: string): Promise<number> {
    const admin = await this.#adminClient();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? 0;
  }

  /** Creates the missing topics; existing ones are left as they are. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const admin = await this.#adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions ?? 1,
        ...(s.compacted ? { configEntries: [{ name: "cleanup.policy", value: "compact" }] } : {}),
      })),
    });
  }

  /** Records each partition is behind: high watermark minus committed offset. */
  async lag(groupId: string, topic: string): Promise<Map<number, number>> {
    const admin = await this.#adminClient();
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const byPartition = new Map<number, string>();
    for (const p of committed[0]?.partitions ?? []) byPartition.set(p.partition, p.offset);
    const lag = new Map<number, number>();
    for (const end of ends) {
      const done = byPartition.get(end.partition);
      const from = done === undefined || done === "-1" ? Number(end.low) : Number(done);
      lag.set(end.partition, Math.max(0, Number(end.high) - from));
    }
    return lag;
  }

  async #committedOffset(groupId: string, topic: string, partition: number): Promise<bigint> {
    const admin = await this.#adminClient();
    const result = await admin.fetchOffsets({ groupId, topics: [topic] });
    const found = result[0]?.partitions.find((p) => p.partition === partition);
    return found === undefined ? -1n : BigInt(found.offset);
  }

  /**
   * Reads a compacted topic from the beginning and keeps tailing it, so every instance
   * sees every record (a group of its own; nothing committed).
   */
  async readCompacted(
    topic: string,
    onRecord: (key: string, value: Buffer | null) => void,
  ): Promise<CompactedReader> {
    return readCompacted(this.#kafka, await this.#adminClient(), this.#settings, topic, onRecord);
  }

  /** A plain (non-transactional) producer for best-effort writes such as cache entries. */
  async producer(): Promise<PlainProducer> {
    const producer = this.#kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return {
      send: async (records) => {
        await producer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
      },
      close: () => producer.disconnect(),
    };
  }

  /** Runs a consume -> transform -> produce loop with exactly-once output (see transactional-consumer.ts). */
  async runTransactional(options: TransactionalConsumerOptions): Promise<TransactionalConsumer> {
    return runTransactional(
      {
        kafka: this.#kafka,
        settings: this.#settings,
        logger: this.#logger,
        committedOffset: (groupId, topic, partition) => this.#committedOffset(groupId, topic, partition),
      },
      options,
    );
  }
}
