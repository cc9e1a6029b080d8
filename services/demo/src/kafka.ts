/**
 * Everything the demo asks of Kafka, and the only module that imports kafkajs: creating the
 * demo's topics, producing its input records, and reading the jobs' results for the summary.
 */
import { randomBytes } from "node:crypto";
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";

export interface OutgoingRecord {
  key: string;
  value: unknown;
}

/** Produces JSON records to the demo's input topics. */
export interface Outbox {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  sendBatch(batch: { topic: string; messages: OutgoingRecord[] }[]): Promise<void>;
}

export function kafkaClient(brokers: string[], clientId = "sluice-demo"): Kafka {
  // kafkajs logs retried, harmless errors (a coordinator being elected) at ERROR; the demo
  // reports what matters itself.
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Creates the topics (one partition each, so event-time watermarks never wait on an idle one). */
export async function ensureTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** A connected producer behind the {@link Outbox} interface. */
export async function openOutbox(kafka: Kafka): Promise<Outbox & { close(): Promise<void> }> {
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const encode = (messages: OutgoingRecord[]) =>
    messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) }));
  return {
    async send(topic, records) {
      await producer.send({ topic, messages: encode(records) });
    },
    async sendBatch(batch) {
      await producer.sendBatch({
        topicMessages: batch.map((b) => ({ topic: b.topic, messages: encode(b.messages) })),
      });
    },
    close: () => producer.disconnect(),
  };
}

/** A record of a result topic as the summary sees it. */
export interface ResultRecord {
  topic: string;
  key: string | null;
  /** Parsed JSON value; `null` for a tombstone (an upsert-kafka delete). */
  value: Record<string, unknown> | null;
}

/**
 * Reads the given topics from the beginning (committed records only) with a fresh consumer
 * group and hands every record to `onRecord`. Stop it with `close()`.
 */
export async function readResults(
  kafka: Kafka,
  topics: string[],
  onRecord: (record: ResultRecord) => void,
): Promise<{ close(): Promise<void> }> {
  const consumer: Consumer = kafka.consumer({
    groupId: `sluice-demo-summary-${randomBytes(6).toString("hex")}`,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      let value: Record<string, unknown> | null = null;
      if (message.value !== null) {
        try {
          value = JSON.parse(message.value.toString("utf8")) as Record<string, unknown>;
        } catch {
          value = { raw: message.value.toString("utf8") };
        }
      }
      onRecord({ topic, key: message.key?.toString("utf8") ?? null, value });
    },
  });
  return { close: () => consumer.disconnect() };
}
