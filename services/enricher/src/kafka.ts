/**
 * Everything the enricher asks of Kafka, and the only module that imports kafkajs
 * (DESIGN.md: a change of Kafka client touches one place).
 *
 * Exactly-once: each chunk of input records is turned into output (and dead-letter)
 * records that are produced in ONE transaction together with the chunk's consumed
 * offsets (`sendOffsets`). kafkajs has no KIP-447 (no group metadata in
 * TxnOffsetCommit), so a zombie (a member that lost its partitions but still runs)
 * cannot be fenced by generation. We use the pre-KIP-447 scheme Kafka Streams used:
 * one transactional producer per INPUT PARTITION, with a transactional id derived from
 * (task, topic, partition). Whoever processes a partition next initialises a producer
 * with the same id (InitProducerId, forced at creation: kafkajs would otherwise defer
 * it to the first transaction), which bumps the epoch (fencing the zombie) and
 * completes or aborts its open transaction. Only THEN we read the partition's
 * committed offset and skip what the zombie committed meanwhile; kafkajs may have
 * fetched the offset earlier, before the zombie's transaction finished.
 */
import { randomUUID } from "node:crypto";
import { type Admin, type EachBatchPayload, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import type { Logger } from "./log.ts";

/** Connection and group-timing settings. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  transactionTimeoutMs: number;
}

/** A consumed record. */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** A record to produce. */
export interface OutputRecord {
  topic: string;
  key: Buffer | string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** A topic the enricher needs. */
export interface TopicSpec {
  topic: string;
  partitions?: number;
  compacted?: boolean;
}

/** A chunk of one partition, to be turned into output records. */
export interface Chunk {
  topic: string;
  partition: number;
  records: InputRecord[];
  /** Aborted when the partition is being revoked or the consumer stops. */
  signal: AbortSignal;
}

/** Options of a transactional, partition-fenced consumer. */
export interface TransactionalConsumerOptions {
  groupId: string;
  topic: string;
  /** Transactional id of the producer for one input partition. */
  transactionalId: (partition: number) => string;
  /** Most records per transaction. */
  chunkSize: number;
  /** Partitions processed concurrently by this member. */
  partitionsConcurrently: number;
  /** Output records for one chunk; committed with the chunk's offsets. */
  handle: (chunk: Chunk) => Promise<OutputRecord[]>;
  /** Called after each committed transaction. */
  onCommitted?: (chunk: Chunk, outputs: OutputRecord[]) => void;
}

/** A running transactional consumer. */
export interface TransactionalConsumer {
  /** Stop fetching (back-pressure); records in hand are still processed. */
  pause(): void;
  resume(): void;
  /** False after a crash kafkajs does not restart from. */
  healthy(): boolean;
  stop(): Promise<void>;
}

/** A tail reader of a compacted topic. */
export interface CompactedReader {
  /** Resolves once the records present at start are read. */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

const FENCED = new Set([
  "INVALID_PRODUCER_EPOCH",
  "PRODUCER_FENCED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
]);

function isFenced(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return type !== undefined && FENCED.has(type);
}

function isRebalance(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return (
    type === "REBALANCE_IN_PROGRESS" ||
    type === "NOT_COORDINATOR" ||
    type === "UNKNOWN_MEMBER_ID" ||
    type === "ILLEGAL_GENERATION"
  );
}

/**
 * A chunk failed before its transaction committed. Marked retriable for kafkajs, and
 * without `cause` on purpose: kafkajs judges an error by its innermost cause.
 */
export class ChunkNotCommittedError extends Error {
  readonly retriable = true;
  constructor(error: unknown) {
    const type = (error as { type?: string } | undefined)?.type;
    super(
      `chunk not committed: ${type ? `${type}: ` : ""}${error instanceof Error ? error.message : String(error)}`,
    );
    this.name = "ChunkNotCommittedError";
  }
}

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
    const admin = await this.#adminClient();
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map<number, bigint>();
    for (const end of ends) {
      if (BigInt(end.high) > BigInt(end.low)) remaining.set(end.partition, BigInt(end.high));
    }
    const consumer = this.#kafka.consumer({
      groupId: `sluice-enricher-reader-${randomUUID()}`,
      sessionTimeout: this.#settings.sessionTimeoutMs,
      heartbeatInterval: this.#settings.heartbeatIntervalMs,
      rebalanceTimeout: this.#settings.rebalanceTimeoutMs,
    });
    let markCaughtUp!: () => void;
    const caughtUp = new Promise<void>((resolve) => {
      markCaughtUp = resolve;
    });
    const check = () => {
      if (remaining.size === 0) markCaughtUp();
    };
    check();
    let joinedAt = 0;
    let lastBatchAt = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joinedAt = Date.now();
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        lastBatchAt = Date.now();
        for (const message of batch.messages) {
          if (message.key) onRecord(message.key.toString("utf8"), message.value);
        }
        // The high watermark counts transaction markers and compacted-away records, so
        // compare positions rather than waiting for a record at `high - 1`.
        const end = remaining.get(batch.partition);
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(batch.partition);
          check();
        }
      },
    });
    // A partition whose tail is only transaction markers never yields a batch that
    // reaches `end`: once the reader has joined and gone quiet, it has read everything.
    const poll = setInterval(() => {
      if (remaining.size === 0) return clearInterval(poll);
      if (joinedAt > 0 && Date.now() - Math.max(joinedAt, lastBatchAt) > 2000) {
        remaining.clear();
        check();
      }
    }, 250);
    return {
      caughtUp,
      stop: async () => {
        clearInterval(poll);
        await consumer.disconnect();
      },
    };
  }

  /** A plain (non-transactional) producer for best-effort writes such as cache entries. */
  async producer(): Promise<{ send(records: OutputRecord[]): Promise<void>; close(): Promise<void> }> {
    const producer = this.#kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return {
      send: async (records) => {
        await producer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
      },
      close: () => producer.disconnect(),
    };
  }

  /** Runs a consume -> transform -> produce loop with exactly-once output. */
  async runTransactional(options: TransactionalConsumerOptions): Promise<TransactionalConsumer> {
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.#settings.sessionTimeoutMs,
      heartbeatInterval: this.#settings.heartbeatIntervalMs,
      rebalanceTimeout: this.#settings.rebalanceTimeoutMs,
      readUncommitted: false,
    });
    // Producers by input partition, tagged with the group generation that created them:
    // after any rebalance a partition's producer is recreated (re-fencing), since
    // someone else may have owned the partition in between.
    const producers = new Map<number, { producer: Producer; generation: number; skipBelow: bigint }>();
    let generation = 0;
    let paused = false;
    let healthy = true;
    /** Chunks in progress, aborted on stop so that a long model wait does not hold it. */
    const active = new Set<AbortController>();
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload as { error: Error; restart: boolean };
      healthy = restart;
      this.#logger.log(restart ? "warn" : "error", "consumer crashed", {
        group: options.groupId,
        error: String(error),
        restart,
      });
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      healthy = true;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      generation += 1;
    });
    const dropProducer = async (partition: number) => {
      const entry = producers.get(partition);
      producers.delete(partition);
      await entry?.producer.disconnect().catch(() => {});
    };
    const producerFor = async (partition: number) => {
      const entry = producers.get(partition);
      if (entry && entry.generation === generation) return entry;
      if (entry) await dropProducer(partition);
      const producer = this.#kafka.producer({
        transactionalId: options.transactionalId(partition),
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: this.#settings.transactionTimeoutMs,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      // kafkajs runs the transactional InitProducerId lazily, at the first
      // `transaction()` (connect() only gets a non-transactional id). Force it now,
      // BEFORE reading the committed offset: it fences older producers with this id and
      // completes or aborts their open transaction. An empty transaction sends nothing
      // to the broker when aborted.
      await (await producer.transaction()).abort();
      const committed = await this.#committedOffset(options.groupId, options.topic, partition);
      const created = { producer, generation, skipBelow: committed };
      producers.set(partition, created);
      return created;
    };

    const eachBatch = async (payload: EachBatchPayload) => {
      const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
      const abort = new AbortController();
      active.add(abort);
      // Long model waits must not cost the group membership: heartbeat while working,
      // and give up the chunk when the group rebalances.
      const beat = setInterval(() => {
        heartbeat().catch((error: unknown) => {
          if (isRebalance(error)) abort.abort(error);
        });
      }, this.#settings.heartbeatIntervalMs);
      try {
        const entry = await producerFor(batch.partition);
        let messages = batch.messages.filter((m) => BigInt(m.offset) >= entry.skipBelow);
        if (messages.length < batch.messages.length && messages.length === 0) {
          resolveOffset(batch.lastOffset());
        }
        while (messages.length > 0) {
          if (!isRunning() || isStale() || abort.signal.aborted) return;
          const slice = messages.slice(0, options.chunkSize);
          messages = messages.slice(options.chunkSize);
          const chunk: Chunk = {
            topic: batch.topic,
            partition: batch.partition,
            records: slice.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key ?? null,
              value: m.value ?? null,
            })),
            signal: abort.signal,
          };
          let outputs: OutputRecord[];
          try {
            outputs = await options.handle(chunk);
          } catch (error) {
            // Given up because of a rebalance or a stop: nothing was committed, the
            // chunk is consumed again by whoever owns the partition next.
            if (abort.signal.aborted) return;
            throw error;
          }
          if (abort.signal.aborted || !isRunning()) return;
          const last = (slice[slice.length - 1] as { offset: string }).offset;
          const transaction = await entry.producer.transaction();
          try {
            // Several produce requests if needed (the broker caps a request's size); all
            // in the same transaction.
            for (const part of bySize(outputs, MAX_REQUEST_BYTES)) {
              await transaction.sendBatch({ topicMessages: toTopicMessages(part) });
            }
            await transaction.sendOffsets({
              consumerGroupId: options.groupId,
              topics: [
                {
                  topic: batch.topic,
                  partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
                },
              ],
            });
            await transaction.commit();
          } catch (error) {
            await transaction.abort().catch(() => {});
            if (isFenced(error)) await dropProducer(batch.partition);
            throw error;
          }
          resolveOffset(last);
          options.onCommitted?.(chunk, outputs);
          await heartbeat().catch(() => {});
        }
      } catch (error) {
        if (isFenced(error)) await dropProducer(batch.partition);
        this.#logger.log("warn", "chunk not committed; the batch is consumed again", {
          group: options.groupId,
          partition: batch.partition,
          error: String(error),
          fenced: isFenced(error),
        });
        // kafkajs stops a consumer for good on an error marked non-retriable (such as
        // INVALID_PRODUCER_EPOCH). Nothing was committed, so retrying is always safe:
        // the batch is fetched again, and a fenced producer is replaced (re-fencing,
        // then re-reading the committed offset) or the group rebalance is noticed.
        throw new ChunkNotCommittedError(error);
      } finally {
        clearInterval(beat);
        active.delete(abort);
      }
    };

    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently,
      eachBatch,
    });
    return {
      pause: () => {
        if (paused) return;
        paused = true;
        consumer.pause([{ topic: options.topic }]);
      },
      resume: () => {
        if (!paused) return;
        paused = false;
        consumer.resume([{ topic: options.topic }]);
      },
      healthy: () => healthy,
      stop: async () => {
        for (const abort of active) abort.abort(new Error("enricher stopping"));
        await consumer.disconnect();
        await Promise.all([...producers.keys()].map(dropProducer));
      },
    };
  }
}

/** Bytes per produce request, well under the broker's default `message.max.bytes` (1 MiB). */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Splits records into runs of at most `maxBytes` (a larger record goes alone). */
export function bySize(records: OutputRecord[], maxBytes: number): OutputRecord[][] {
  const parts: OutputRecord[][] = [];
  let current: OutputRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    let size = 64 + Buffer.byteLength(r.value ?? "") + (r.key === null ? 0 : Buffer.byteLength(r.key));
    for (const [k, v] of Object.entries(r.headers ?? {})) size += k.length + Buffer.byteLength(v);
    if (current.length > 0 && bytes + size > maxBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

function toTopicMessages(records: OutputRecord[]) {
  const byTopic = new Map<
    string,
    { key: Buffer | string | null; value: string | null; headers?: Record<string, string> }[]
  >();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) {
      list = [];
      byTopic.set(r.topic, list);
    }
    list.push({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
