/**
 * The pipeline bench's input, generated once per run and read by every side: sensor readings
 * (~80 bytes of JSON each, time in epoch ms, 1% above 100 degrees) and transactions, keyed so that one device's
 * readings stay in order in one partition. Every partition ends with a sentinel far in the
 * future, so the watermark passes every real row and every window and OVER row is emitted;
 * sentinels are never output (normal temperature, amount 0).
 */
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Kafka, logLevel } from "kafkajs";

export interface InputOptions {
  brokers: string[];
  records: number;
  partitions: number;
  java: string;
  /** Kafka's tools, for the console producer. */
  classpath: string;
}

const START = Date.UTC(2026, 0, 1);
const DEVICES = 200;
/** Transactions are keyed `k0`..`k63` (spread over partitions, each key in order). */
const KEYS = 64;

/** `2026-01-01 00:00:00.000`: Flink's SQL timestamp format, the JSON format's default. */
function sqlTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** A small deterministic generator (mulberry32): the same input for the same seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  key: string;
  value: string;
}

function reading(i: number, rnd: () => number): Row {
  const device = `device-${String(i % DEVICES).padStart(4, "0")}`;
  const anomaly = rnd() < 0.01;
  const temperature = anomaly ? 100.5 + rnd() * 20 : 15 + 10 * Math.sin(i / 5000) + rnd() * 4;
  const value = JSON.stringify({
    device_id: device,
    timestamp: START + Math.floor(i / DEVICES) * 1000, // epoch ms, as the sensor jobs read it
    temperature: Math.round(temperature * 100) / 100,
  });
  return { key: device, value };
}

function transaction(i: number, rnd: () => number): Row {
  const value = JSON.stringify({
    date: sqlTimestamp(START + i * 360),
    amount: Number((rnd() * 500).toFixed(2)),
    user_id: `user-${Math.floor(rnd() * 10_000)}`,
  });
  return { key: `k${i % KEYS}`, value };
}

/**
 * One last row per key, far in the future: every partition gets some (a key's rows share one
 * partition), so the watermark passes every real row. Never output: a normal temperature
 * (a device's z-score of it is the same on every side), an amount below the minimum.
 */
function sentinels(kind: "sensor" | "transactions", records: number): Row[] {
  const farMs = START + records * 1000 + 86_400_000;
  const far = sqlTimestamp(farMs);
  if (kind === "sensor") {
    return Array.from({ length: DEVICES }, (_, d) => {
      const device = `device-${String(d).padStart(4, "0")}`;
      return { key: device, value: JSON.stringify({ device_id: device, timestamp: farMs, temperature: 20 }) };
    });
  }
  return Array.from({ length: KEYS }, (_, k) => ({
    key: `k${k}`,
    value: JSON.stringify({ date: far, amount: 0, user_id: "sentinel" }),
  }));
}

/**
 * Creates `topic` with `partitions` and writes `records` rows of `kind` to it, then the
 * sentinels, through Kafka's console producer (keyed: one device's rows stay in order in one
 * partition). Returns the number of rows written and their average size.
 */
export async function generate(
  kind: "sensor" | "transactions",
  topic: string,
  options: InputOptions,
): Promise<{ rows: number; bytes: number }> {
  const kafka = new Kafka({
    clientId: "sluice-bench-pipeline",
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = spawn(
    options.java,
    [
      "-Xmx512m",
      "-cp",
      options.classpath,
      "org.apache.kafka.tools.ConsoleProducer",
      "--bootstrap-server",
      options.brokers.join(","),
      "--topic",
      topic,
      "--property",
      "parse.key=true",
      "--property",
      "key.separator=\t",
      "--producer-property",
      "linger.ms=50",
      "--producer-property",
      "batch.size=524288",
    ],
    { stdio: ["pipe", "inherit", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => producer.on("exit", resolve));
  const rnd = random(kind === "sensor" ? 42 : 7);
  const make = kind === "sensor" ? reading : transaction;
  let bytes = 0;
  const lines = function* () {
    for (let from = 0; from < options.records; from += 10_000) {
      const chunk: string[] = [];
      for (let i = from; i < Math.min(options.records, from + 10_000); i++) {
        const row = make(i, rnd);
        bytes += row.value.length;
        chunk.push(`${row.key}\t${row.value}\n`);
      }
      yield chunk.join("");
    }
    yield sentinels(kind, options.records)
      .map((r) => `${r.key}\t${r.value}\n`)
      .join("");
  };
  await pipeline(Readable.from(lines()), producer.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`ConsoleProducer exited with ${code}`);
  const rows = options.records + (kind === "sensor" ? DEVICES : KEYS);
  return { rows, bytes: bytes / options.records };
}
