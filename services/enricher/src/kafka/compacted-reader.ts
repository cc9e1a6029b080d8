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
  // Partitions with records at start, and the position that means "read them all".
  const remaining = new Map<number, bigint>();
  for (const end of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(end.high) > BigInt(end.low)) remaining.set(end.partition, BigInt(end.high));
  }
  const { promise: caughtUp, resolve: markCaughtUp } = Promise.withResolvers<void>();
  const check = () => {
    if (remaining.size === 0) markCaughtUp();
  };
  check();
  const consumer = kafka.consumer({
    groupId: `sluice-enricher-reader-${randomUUID()}`,
    ...groupTimings(settings),
  });
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
    if (joinedAt > 0 && Date.now() - Math.max(joinedAt, lastBatchAt) > QUIET_MS) {
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
