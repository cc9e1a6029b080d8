/**
 * Small Kafka helpers for the enricher's integration tests (raw values, so malformed
 * records can be produced; headers kept when consuming).
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners } from "kafkajs";

export const brokers = (process.env.SLUICE_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");

export function kafka(): Kafka {
  return new Kafka({ clientId: "sluice-enricher-tests", brokers, logLevel: logLevel.NOTHING });
}

/** A name unique to this run, e.g. `reviews_k3j9x2`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export async function createTopics(topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}

/** Produces raw string values with keys, in batches. */
export async function produceRaw(topic: string, records: { key: string | null; value: string | null }[]) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 1000) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface Consumed {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads a topic from the beginning with read_committed until `idleMs` pass without a
 * new record (after joining) or `timeoutMs` pass.
 */
export async function consumeAll(
  topic: string,
  options: { idleMs?: number; timeoutMs?: number } = {},
): Promise<Consumed[]> {
  const { idleMs = 3000, timeoutMs = 60_000 } = options;
  const consumer = kafka().consumer({ groupId: uniqueName("enricher_test_reader"), readUncommitted: false });
  const out: Consumed[] = [];
  let last = Date.now();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    last = Date.now();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = String(v);
        }
        out.push({
          key: message.key?.toString("utf8") ?? null,
          value: message.value?.toString("utf8") ?? null,
          headers,
          partition,
          offset: message.offset,
        });
        last = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !(joined && Date.now() - last >= idleMs)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** The end offset of each partition now (call it after producing the input). */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Whether the group has committed every partition of `topic` up to `ends`. */
export async function committedUpTo(
  groupId: string,
  topic: string,
  ends: Map<number, bigint>,
): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return [...ends].every(([partition, end]) => {
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
      return BigInt(offset) >= end;
    });
  } finally {
    await admin.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
