import { type Admin, type IHeaders, Kafka, type KafkaMessage, logLevel, Partitioners } from "kafkajs";
import { stackEndpoints } from "./endpoints.ts";
import { uniqueName } from "./names.ts";

/**
 * A kafkajs client for the test stack. Silent by default: kafkajs logs retried,
 * harmless errors (e.g. while a transaction coordinator is elected) at ERROR.
 * Set SLUICE_TEST_KAFKA_LOG=1 to see them.
 */
export function kafkaClient(clientId = "sluice-tests"): Kafka {
  const level = process.env.SLUICE_TEST_KAFKA_LOG === "1" ? logLevel.INFO : logLevel.NOTHING;
  return new Kafka({ clientId, brokers: stackEndpoints().kafkaBrokers, logLevel: level });
}

export interface TopicSpec {
  topic: string;
  /** Default 1. */
  partitions?: number;
}

/**
 * Creates topics (replication factor 1) and waits for their leaders. Existing topics are left as they are.
 *
 * @example
 *   const topic = uniqueName("sensor_data");
 *   await createTopics([topic, { topic: `${topic}_out`, partitions: 3 }]);
 */
export async function createTopics(topics: (string | TopicSpec)[]): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const specs = topics.map((t) => {
      const spec = typeof t === "string" ? { topic: t } : t;
      return { topic: spec.topic, numPartitions: spec.partitions ?? 1, replicationFactor: 1 };
    });
    await admin.createTopics({ waitForLeaders: false, topics: specs });
    await waitForLeaders(admin, specs);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits (up to 30 s) until every partition of the topics has a leader. kafkajs's own
 * `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a KRaft broker creating several topics
 * at once may first answer UNKNOWN_TOPIC_OR_PARTITION for a topic it just created.
 */
async function waitForLeaders(admin: Admin, specs: { topic: string }[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metadata = await admin
      .fetchTopicMetadata({ topics: specs.map((s) => s.topic) })
      .catch(() => undefined);
    const ready = specs.every((spec) => {
      const partitions = metadata?.topics.find((t) => t.name === spec.topic)?.partitions ?? [];
      return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
    });
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`topics without leaders after 30 s: ${specs.map((s) => s.topic)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates one topic; see {@link createTopics}. */
export function createTopic(topic: string, partitions = 1): Promise<void> {
  return createTopics([{ topic, partitions }]);
}

/** Deletes topics; unknown ones are ignored. */
export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}

/** A record given as text: `value` is sent as it is (null: a tombstone). */
export interface RawRecord {
  key?: string | null;
  value: string | null;
  /** Default: the partitioner's choice (by key). */
  partition?: number;
  headers?: IHeaders;
}

/**
 * Produces records whose values are given as text, in order, so a test can send
 * malformed lines and tombstones as well as JSON. Sent in batches of 1 000 to
 * stay under the broker's 1 MB request limit; acks from all in-sync replicas. Idempotent: kafkajs
 * retries a whole request when one partition of it fails (e.g. a topic just created, under load),
 * and without sequence numbers the partitions that had succeeded would get the batch twice.
 *
 * @example
 *   await produceRaw(topic, [{ key: "r1", value: '{"id": "r1"' }, { key: "r2", value: null }]);
 */
export async function produceRaw(topic: string, records: RawRecord[]): Promise<void> {
  const producer = kafkaClient().producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 1_000) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 1_000).map((r) => ({
          key: r.key ?? null,
          value: r.value,
          partition: r.partition,
          headers: r.headers,
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ProduceOptions<T> {
  /** Record key: a field name of the record, or a function of it. Default: no key. */
  key?: (keyof T & string) | ((record: T) => string);
  headers?: IHeaders;
}

/**
 * Produces each record as a JSON value (one batch, acks from the leader).
 *
 * @example
 *   await produceJson(topic, [{ device_id: "d1", timestamp: "2024-01-01T00:00:00Z", temperature: 101.5 }],
 *     { key: "device_id" });
 */
export async function produceJson<T extends object>(
  topic: string,
  records: T[],
  options: ProduceOptions<T> = {},
): Promise<void> {
  const producer = kafkaClient().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const keyOf = (r: T): string | null => {
      if (options.key === undefined) return null;
      if (typeof options.key === "function") return options.key(r);
      const value = (r as Record<string, unknown>)[options.key];
      return value === undefined || value === null ? null : String(value);
    };
    await producer.send({
      topic,
      messages: records.map((r) => ({ key: keyOf(r), value: JSON.stringify(r), headers: options.headers })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** A consumed record; `value` is the parsed JSON (or the raw string when it is not JSON, null for tombstones). */
export interface ConsumedRecord {
  key: string | null;
  value: unknown;
  raw: string | null;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

export interface ConsumeOptions {
  /** Stop as soon as this many records arrived. */
  expected?: number;
  /** Without `expected`: stop when no record arrived for this long (ms, default 3 000; counted after the consumer joined). */
  idleMs?: number;
  /** Give up after this long (ms, default 60 000) and return what arrived. */
  timeoutMs?: number;
  /** Default `read_committed`: transactional output (Flink exactly-once, the enricher) only shows once committed. */
  isolation?: "read_committed" | "read_uncommitted";
}

/** A kafkajs message as a {@link ConsumedRecord}: JSON values parsed, headers as strings. */
export function consumedRecord(message: KafkaMessage, partition: number): ConsumedRecord {
  const raw = message.value === null ? null : message.value.toString("utf8");
  let value: unknown = raw;
  if (raw !== null) {
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: keep the string
    }
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(",") : String(v);
  }
  return {
    key: message.key?.toString("utf8") ?? null,
    value,
    raw,
    partition,
    offset: message.offset,
    headers,
  };
}

/**
 * Reads a topic from the beginning with a fresh consumer group and returns what
 * it finds: with `expected`, as soon as that many records arrived; without it,
 * after `idleMs` without a new record; in any case at `timeoutMs`. It never
 * throws for too few records: the caller asserts on the result.
 *
 * @example
 *   const out = await consumeAll(`${topic}_out`, { expected: 3 });
 *   expect(out.map((r) => r.value)).toEqual([...]);
 */
export async function consumeAll(topic: string, options: ConsumeOptions = {}): Promise<ConsumedRecord[]> {
  const { expected, idleMs = 3_000, timeoutMs = 60_000, isolation = "read_committed" } = options;
  const consumer = kafkaClient().consumer({
    groupId: uniqueName("sluice_test_group"),
    readUncommitted: isolation === "read_uncommitted",
  });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let lastActivity = Date.now();
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
      lastActivity = Date.now();
    });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        records.push(consumedRecord(message, partition));
        lastActivity = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (expected !== undefined && records.length >= expected) break;
      if (Date.now() >= deadline) break;
      if (expected === undefined && joined && Date.now() - lastActivity >= idleMs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * The end offset of each partition of a topic now (call it after producing a
 * test's input). On a topic written in transactions each commit marker takes
 * an offset too, so the sum is above the number of records read_committed.
 *
 * @example
 *   const ends = await endOffsets(inputTopic); // Map { 0 => 1234n, 1 => 1187n }
 */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether the consumer group has committed every partition of `topic` up to
 * `ends` (from {@link endOffsets}): it has consumed the input produced before.
 *
 * @example
 *   const ends = await endOffsets(inputTopic);
 *   await waitFor(() => committedUpTo(groupId, inputTopic, ends), { description: "input consumed" });
 */
export async function committedUpTo(
  groupId: string,
  topic: string,
  ends: Map<number, bigint>,
): Promise<boolean> {
  const admin = kafkaClient().admin();
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

/**
 * The latest value of each key of an upsert (changelog) topic, as Flink's
 * upsert-kafka reads it: a tombstone (null value) deletes the key.
 *
 * @example
 *   const totals = latestByKey(await consumeAll(countsTopic)); // Map { '{"theme":"price"}' => {...} }
 */
export function latestByKey(records: ConsumedRecord[]): Map<string, unknown> {
  const latest = new Map<string, unknown>();
  for (const r of records) {
    if (r.key === null) throw new Error(`an upsert topic record without a key at offset ${r.offset}`);
    if (r.value === null) latest.delete(r.key);
    else latest.set(r.key, r.value);
  }
  return latest;
}
