/**
 * The cost of dead letters: the sensor-anomalies pipeline over N readings (default 1M, ~100 bytes
 * of JSON each, one in 1000 malformed), run with error policy `skip` and with `dead-letter` in the
 * same run, on the same topic. Throughput = records read / (last output's Kafka timestamp - the
 * Flink job's start time). Goal (issue 10): dead-letter costs at most 15% of skip's throughput.
 *
 *   npm run bench:dlq                      # 1M readings, both policies, ratio printed
 *   DLQ_BENCH_RECORDS=200000 npm run bench:dlq
 *
 * Needs the stack with the `sluice-json` format on its class path (`npm run stack:up` after
 * `mvn -f flink-jobs/functions/pom.xml package`).
 */

import { compileJob, type ErrorPolicy, type JobSpec } from "@sluice/flink-jobs";
import { sensorAnomalies } from "@sluice/flink-jobs/jobs";
import {
  createTopics,
  deleteTopics,
  kafkaClient,
  produceRaw,
  stackEndpoints,
  stackFlinkClient,
  stopJob,
  uniqueName,
  withFunctionsJar,
} from "@sluice/testkit";

const records = Number(process.env.DLQ_BENCH_RECORDS ?? 1_000_000);
const BAD_EVERY = 1000;
const POLICIES = ["skip", "dead-letter"] as const;
const HOT_EVERY = 10;

/** Reading i: every 10th above the threshold (an alert), every 1000th malformed. */
function readingValue(i: number): string {
  if (i % BAD_EVERY === BAD_EVERY - 1) return `{"device_id": "sensor-${i % 100}", "timestamp": 17`;
  // Epoch milliseconds, as the sensor jobs read `timestamp`.
  const ms = Date.UTC(2024, 2, 1) + i * 10;
  const temperature = i % HOT_EVERY === 0 ? 100.5 + (i % 7) : 20 + (i % 50) / 10;
  return JSON.stringify({
    device_id: `sensor-${String(i % 100).padStart(4, "0")}`,
    timestamp: ms,
    temperature,
  });
}

function expectedAlerts(): number {
  let n = 0;
  for (let i = 0; i < records; i++) if (i % HOT_EVERY === 0 && i % BAD_EVERY !== BAD_EVERY - 1) n++;
  return n;
}

function spec(input: string, output: string, policy: ErrorPolicy): JobSpec {
  const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
  const job = sensorAnomalies({ inputTopic: input, outputTopic: output, bootstrapServers });
  // The spec is frozen: copy the source with the policy under test.
  const tables = job.tables.map((t) =>
    t.name === "sensor_data" && t.connector.kind === "kafka"
      ? {
          ...t,
          connector: {
            ...t.connector,
            errorPolicy: policy,
            ...(policy === "dead-letter" ? { deadLetterTopic: `${output}.dlq` } : {}),
          },
        }
      : t,
  );
  return { ...job, tables, name: `bench-dlq-${policy}` };
}

/** The Kafka timestamp of the last record once the topic holds `count` records. */
async function lastTimestamp(topic: string, count: number, timeoutMs: number): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [partition] = await admin.fetchTopicOffsets(topic);
      if (Number(partition?.high ?? 0) >= count) break;
      if (Date.now() > deadline) throw new Error(`${topic}: ${partition?.high} of ${count} records`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = kafkaClient().consumer({ groupId: uniqueName("bench_dlq"), readUncommitted: false });
  await consumer.connect();
  try {
    let timestamp = 0;
    await consumer.subscribe({ topics: [topic] });
    const got = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (Number(message.offset) === count - 1) {
            timestamp = Number(message.timestamp);
            resolve();
          }
        },
      });
    });
    consumer.seek({ topic, partition: 0, offset: String(count - 1) });
    await got;
    return timestamp;
  } finally {
    await consumer.disconnect();
  }
}

async function run(input: string, policy: ErrorPolicy, alerts: number) {
  const flink = stackFlinkClient();
  const output = uniqueName(`bench_dlq_out_${policy.replace("-", "_")}`);
  await createTopics([output, `${output}.dlq`]);
  const compiled = compileJob(spec(input, output, policy));
  const { jobId } = await flink.gateway.executeStatementSet(withFunctionsJar(compiled), {
    sets: { "pipeline.name": `bench-dlq-${policy}-${uniqueName("run")}` },
    timeoutMs: 300_000,
  });
  try {
    const started = (await flink.rest.getJob(jobId))["start-time"];
    const last = await lastTimestamp(output, alerts, 900_000);
    const seconds = (last - started) / 1000;
    return { policy, seconds, perSecond: records / seconds };
  } finally {
    await stopJob(flink, jobId);
    await deleteTopics([output, `${output}.dlq`]);
    await flink.close();
  }
}

async function main(): Promise<void> {
  const input = uniqueName("bench_dlq_readings");
  await createTopics([input]);
  try {
    const t0 = Date.now();
    for (let i = 0; i < records; i += 100_000) {
      const n = Math.min(100_000, records - i);
      await produceRaw(
        input,
        Array.from({ length: n }, (_, j) => ({ key: null, value: readingValue(i + j) })),
      );
    }
    console.log(`produced ${records} readings in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const alerts = expectedAlerts();
    // DLQ_BENCH_ORDER=reverse runs dead-letter first (to see what going first costs).
    const order = process.env.DLQ_BENCH_ORDER === "reverse" ? POLICIES.toReversed() : POLICIES;
    const results = new Map<string, number>();
    for (const policy of order) {
      const r = await run(input, policy, alerts);
      console.log(`${policy.padEnd(12)} ${r.seconds.toFixed(1)} s  ${Math.round(r.perSecond)} records/s`);
      results.set(policy, r.perSecond);
    }
    const [skip, dead] = [results.get("skip"), results.get("dead-letter")];
    if (skip === undefined || dead === undefined) return;
    const ratio = dead / skip;
    console.log(
      `dead-letter / skip throughput: ${ratio.toFixed(3)} (cost ${((1 - ratio) * 100).toFixed(1)}%, goal <= 15%)`,
    );
  } finally {
    await deleteTopics([input]);
  }
}

await main();
