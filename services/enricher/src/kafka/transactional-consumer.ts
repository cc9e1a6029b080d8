/**
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
import {
  type Batch,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from "kafkajs";
import { ChunkNotCommittedError, kafkaErrorType } from "../errors.ts";
import type { Logger } from "../log.ts";
import { bySize, MAX_REQUEST_BYTES, toTopicMessages } from "./produce.ts";
import {
  type Chunk,
  groupTimings,
  type KafkaSettings,
  type OutputRecord,
  type TransactionalConsumer,
  type TransactionalConsumerOptions,
} from "./types.ts";

const FENCED = new Set([
  "INVALID_PRODUCER_EPOCH",
  "PRODUCER_FENCED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
]);
const REBALANCE = new Set([
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR",
  "UNKNOWN_MEMBER_ID",
  "ILLEGAL_GENERATION",
]);

const isFenced = (error: unknown) => FENCED.has(kafkaErrorType(error) ?? "");
const isRebalance = (error: unknown) => REBALANCE.has(kafkaErrorType(error) ?? "");

/** A partition's producer, tagged with the group generation that created it. */
interface PartitionProducer {
  producer: Producer;
  generation: number;
  /** The partition's committed offset once this producer had fenced older ones. */
  skipBelow: bigint;
}

/** What a transactional run needs from the gateway. */
export interface TransactionalDeps {
  kafka: Kafka;
  settings: KafkaSettings;
  logger: Logger;
  committedOffset: (groupId: string, topic: string, partition: number) => Promise<bigint>;
}

/** Runs a consume -> transform -> produce loop with exactly-once output. */
export async function runTransactional(
  deps: TransactionalDeps,
  options: TransactionalConsumerOptions,
): Promise<TransactionalConsumer> {
  const run = new TransactionalRun(deps, options);
  await run.start();
  return {
    pause: () => run.pause(),
    resume: () => run.resume(),
    healthy: () => run.healthy,
    stop: () => run.stop(),
  };
}

class TransactionalRun {
  readonly #deps: TransactionalDeps;
  readonly #options: TransactionalConsumerOptions;
  readonly #consumer: Consumer;
  /**
   * Producers by input partition: after any rebalance a partition's producer is
   * recreated (re-fencing), since someone else may have owned the partition in between.
   */
  readonly #producers = new Map<number, PartitionProducer>();
  /** Chunks in progress, aborted on stop so that a long model wait does not hold it. */
  readonly #active = new Set<AbortController>();
  #generation = 0;
  #paused = false;
  healthy = true;

  constructor(deps: TransactionalDeps, options: TransactionalConsumerOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#consumer = deps.kafka.consumer({
      groupId: options.groupId,
      ...groupTimings(deps.settings),
      readUncommitted: false,
    });
    this.#consumer.on(this.#consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload as { error: Error; restart: boolean };
      this.healthy = restart;
      deps.logger.log(restart ? "warn" : "error", "consumer crashed", {
        group: options.groupId,
        error: String(error),
        restart,
      });
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
      this.healthy = true;
      this.#generation += 1;
    });
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#options.topic, fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#consumer.pause([{ topic: this.#options.topic }]);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#consumer.resume([{ topic: this.#options.topic }]);
  }

  async stop(): Promise<void> {
    for (const abort of this.#active) abort.abort(new Error("enricher stopping"));
    await this.#consumer.disconnect();
    await Promise.all([...this.#producers.keys()].map((p) => this.#dropProducer(p)));
  }

  async #dropProducer(partition: number): Promise<void> {
    const entry = this.#producers.get(partition);
    this.#producers.delete(partition);
    await entry?.producer.disconnect().catch(() => {});
  }

  async #producerFor(partition: number): Promise<PartitionProducer> {
    const entry = this.#producers.get(partition);
    if (entry && entry.generation === this.#generation) return entry;
    if (entry) await this.#dropProducer(partition);
    const { kafka, settings } = this.#deps;
    const producer = kafka.producer({
      transactionalId: this.#options.transactionalId(partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: settings.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // kafkajs runs the transactional InitProducerId lazily, at the first
    // `transaction()` (connect() only gets a non-transactional id). Force it now,
    // BEFORE reading the committed offset: it fences older producers with this id and
    // completes or aborts their open transaction. An empty transaction sends nothing
    // to the broker when aborted.
    await (await producer.transaction()).abort();
    const { groupId, topic } = this.#options;
    const skipBelow = await this.#deps.committedOffset(groupId, topic, partition);
    const created = { producer, generation: this.#generation, skipBelow };
    this.#producers.set(partition, created);
    return created;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat } = payload;
    const abort = new AbortController();
    this.#active.add(abort);
    // Long model waits must not cost the group membership: heartbeat while working,
    // and give up the chunk when the group rebalances.
    const beat = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        if (isRebalance(error)) abort.abort(error);
      });
    }, this.#deps.settings.heartbeatIntervalMs);
    try {
      const finished = await this.#processBatch(payload, abort.signal);
      if (!finished) this.#options.onNotCommitted?.(batch.partition, "abandoned");
    } catch (error) {
      const fenced = isFenced(error);
      if (fenced) await this.#dropProducer(batch.partition);
      this.#options.onNotCommitted?.(batch.partition, fenced ? "fenced" : "failed");
      this.#deps.logger.log("warn", "chunk not committed; the batch is consumed again", {
        group: this.#options.groupId,
        partition: batch.partition,
        error: String(error),
        fenced,
      });
      // kafkajs stops a consumer for good on an error marked non-retriable (such as
      // INVALID_PRODUCER_EPOCH). Nothing was committed, so retrying is always safe:
      // the batch is fetched again, and a fenced producer is replaced (re-fencing,
      // then re-reading the committed offset) or the group rebalance is noticed.
      throw new ChunkNotCommittedError(error, fenced);
    } finally {
      clearInterval(beat);
      this.#active.delete(abort);
    }
  }

  /** Commits the batch chunk by chunk; false when it was given up (rebalance or stop). */
  async #processBatch(payload: EachBatchPayload, signal: AbortSignal): Promise<boolean> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const entry = await this.#producerFor(batch.partition);
    let messages = batch.messages.filter((m) => BigInt(m.offset) >= entry.skipBelow);
    if (messages.length === 0 && batch.messages.length > 0) resolveOffset(batch.lastOffset());
    while (messages.length > 0) {
      if (!isRunning() || isStale() || signal.aborted) return false;
      const chunk = toChunk(batch, messages.slice(0, this.#options.chunkSize), signal);
      messages = messages.slice(this.#options.chunkSize);
      let outputs: OutputRecord[];
      try {
        outputs = await this.#options.handle(chunk);
      } catch (error) {
        // Given up because of a rebalance or a stop: nothing was committed, the
        // chunk is consumed again by whoever owns the partition next.
        if (signal.aborted) return false;
        throw error;
      }
      if (signal.aborted || !isRunning()) return false;
      const last = (chunk.records[chunk.records.length - 1] as { offset: string }).offset;
      await this.#commit(entry.producer, chunk, outputs, BigInt(last) + 1n);
      resolveOffset(last);
      this.#options.onCommitted?.(chunk, outputs);
      await heartbeat().catch(() => {});
    }
    return true;
  }

  /** Produces `outputs` and the chunk's next offset in one transaction. */
  async #commit(producer: Producer, chunk: Chunk, outputs: OutputRecord[], next: bigint): Promise<void> {
    const transaction = await producer.transaction();
    try {
      // Several produce requests if needed (the broker caps a request's size); all in
      // the same transaction.
      for (const part of bySize(outputs, MAX_REQUEST_BYTES)) {
        await transaction.sendBatch({ topicMessages: toTopicMessages(part) });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.#options.groupId,
        topics: [
          { topic: chunk.topic, partitions: [{ partition: chunk.partition, offset: next.toString() }] },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
  }
}

function toChunk(batch: Batch, messages: KafkaMessage[], signal: AbortSignal): Chunk {
  const { topic, partition } = batch;
  return {
    topic,
    partition,
    records: messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      key: m.key ?? null,
      value: m.value ?? null,
    })),
    signal,
  };
}
