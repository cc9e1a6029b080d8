import { randomUUID } from "node:crypto";
import type { Admin, Kafka } from "kafkajs";
import { type CompactedReader, groupTimings, type KafkaSettings } from "./types.ts";

/** How long a joined reader must see no batch before it counts as caught up. */
const QUIET_MS = 2000;

/**
 * Reads a compacted topic from the beginning and keeps tailing it, so every instance
 * sees every record (a group of its own; nothing committed).
 */
export async function readCompacted(
  kafka: Kafka,
  admin: Admin,
  settings: KafkaSettings,
  topic: string,
  onRecord: (key: string, value: Buffer | null) => void,
): Promise<CompactedReader> {
  const progress = new CatchUp(await positionsAtStart(admin, topic));
  const consumer = kafka.consumer({
    groupId: `sluice-enricher-reader-${randomUUID()}`,
    ...groupTimings(settings),
  });
  consumer.on(consumer.events.GROUP_JOIN, () => progress.joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (message.key) onRecord(message.key.toString("utf8"), message.value);
      }
      progress.read(batch.partition, BigInt(batch.lastOffset()) + 1n);
    },
  });
  const poll = setInterval(() => {
    if (progress.checkQuiet()) clearInterval(poll);
  }, 250);
  return {
    caughtUp: progress.caughtUp,
    stop: async () => {
      clearInterval(poll);
      await consumer.disconnect();
    },
  };
}

/** Partitions with records at start, and the position that means "read them all". */
async function positionsAtStart(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const remaining = new Map<number, bigint>();
  for (const end of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(end.high) > BigInt(end.low)) remaining.set(end.partition, BigInt(end.high));
  }
  return remaining;
}

/** Tracks when a reader has read what its topic held at start. */
class CatchUp {
  readonly #remaining: Map<number, bigint>;
  readonly #done = Promise.withResolvers<void>();
  #joinedAt = 0;
  #lastBatchAt = 0;

  constructor(remaining: Map<number, bigint>) {
    this.#remaining = remaining;
    this.#check();
  }

  get caughtUp(): Promise<void> {
    return this.#done.promise;
  }

  joined(): void {
    this.#joinedAt = Date.now();
  }

  /** A batch of `partition` was read up to (excluding) position `next`. */
  read(partition: number, next: bigint): void {
    this.#lastBatchAt = Date.now();
    // The high watermark counts transaction markers and compacted-away records, so
    // compare positions rather than waiting for a record at `high - 1`.
    const end = this.#remaining.get(partition);
    if (end !== undefined && next >= end) {
      this.#remaining.delete(partition);
      this.#check();
    }
  }

  /**
   * A partition whose tail is only transaction markers never yields a batch that
   * reaches its end: once the reader has joined and gone quiet, it has read everything.
   * True once caught up.
   */
  checkQuiet(): boolean {
    if (this.#remaining.size === 0) return true;
    if (this.#joinedAt > 0 && Date.now() - Math.max(this.#joinedAt, this.#lastBatchAt) > QUIET_MS) {
      this.#remaining.clear();
      this.#check();
    }
    return this.#remaining.size === 0;
  }

  #check(): void {
    if (this.#remaining.size === 0) this.#done.resolve();
  }
}
