/**
 * Acceptance tests of the Flink client against the REAL shared stack (Flink
 * 2.2 session cluster, SQL Gateway v4, Kafka). Nothing here is mocked.
 *
 * Kafka helpers are local (kafkajs) rather than @sluice/testkit's because
 * testkit depends on this package: importing it back would make a cycle.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FlinkClient,
  type FlinkClientError,
  flinkClientOptionsFromEnv,
  isFlinkClientError,
} from "../src/index.ts";
import { closedPort } from "./fake-flink.ts";

const brokers = (process.env.SLUICE_KAFKA_BROKERS || "127.0.0.1:9092").split(",").map((b) => b.trim());
const kafka = new Kafka({ clientId: "flink-client-int", brokers, logLevel: logLevel.ERROR });
const runId = randomUUID().slice(0, 8);
const unique = (prefix: string) => `${prefix}_${runId}`;

const flink = new FlinkClient(flinkClientOptionsFromEnv());
const startedJobs: string[] = [];
const createdTopics: string[] = [];
const createdDirs: string[] = [];

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
    createdTopics.push(topic);
  } finally {
    await admin.disconnect();
  }
}

async function produceLines(topic: string, lines: string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: lines.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Every record of a one-partition topic, from the beginning up to its current end. */
async function readAll(topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const end = Number(offsets[0]?.high ?? "0");
  if (end === 0) return [];
  const consumer = kafka.consumer({ groupId: `flink-client-int-${randomUUID()}` });
  await consumer.connect();
  const values: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${values.length} of ${end} records of ${topic}`)),
        60_000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? "");
            if (Number(message.offset) >= end - 1) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Reading {
  device_id: string;
  timestamp: string;
  temperature: number;
}

/** 1,000 deterministic readings of 10 devices; about a third are above 100 and one is exactly 100. */
function sensorReadings(): Reading[] {
  return Array.from({ length: 1_000 }, (_, i) => ({
    device_id: `device-${i % 10}`,
    timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, 0) + i * 1_500).toISOString().replace("Z", ""),
    temperature: i === 500 ? 100 : Math.round(500 + ((i * 7919) % 700)) / 10,
  }));
}

function kafkaTable(name: string, topic: string, columns: string, extra = ""): string {
  return `CREATE TABLE \`${name}\` (${columns}) WITH (
  'connector' = 'kafka',
  'topic' = '${topic}',
  'properties.bootstrap.servers' = '${brokers.join(",")}',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'${extra}
)`;
}

beforeAll(async () => {
  // Fail early, with the client's own error, when the stack is not there.
  const info = await flink.gateway.info();
  expect(info.version).toMatch(/^2\./);
});

afterAll(async () => {
  for (const jobId of startedJobs) {
    const job = await flink.rest.getJob(jobId).catch(() => undefined);
    if (job && !["FINISHED", "CANCELED", "FAILED"].includes(job.state)) {
      await flink.rest.cancel(jobId).catch(() => undefined);
    }
  }
  if (createdTopics.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
    await admin.disconnect();
  }
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
  await flink.close();
});

describe("FlinkClient against the real stack", () => {
  it("runs the sensor-anomaly pipeline end to end, then stops it with a savepoint", async () => {
    const input = unique("sensor_data");
    const output = unique("sensor_anomalies");
    const pipelineName = unique("sensor-anomalies");
    await createTopic(input);
    await createTopic(output);

    const readings = sensorReadings();
    const lines = readings.map((r) => JSON.stringify(r));
    // Malformed lines the source must skip ('json.ignore-parse-errors').
    lines.splice(100, 0, "not json at all");
    lines.splice(400, 0, '{"device_id": "device-x", "temperature": ');
    lines.splice(700, 0, "<reading>150</reading>");
    await produceLines(input, lines);

    const { jobId } = await flink.gateway.executeStatementSet(
      [
        kafkaTable(
          "sensor_data",
          input,
          "`device_id` STRING, `timestamp` TIMESTAMP(3), `temperature` DOUBLE",
          ",\n  'json.ignore-parse-errors' = 'true',\n  'scan.startup.mode' = 'earliest-offset'",
        ),
        kafkaTable(
          "sensor_anomalies",
          output,
          "`device_id` STRING, `timestamp` TIMESTAMP(3), `temperature` DOUBLE, `anomaly` BOOLEAN",
        ),
        "INSERT INTO `sensor_anomalies` SELECT `device_id`, `timestamp`, `temperature`, TRUE FROM `sensor_data` WHERE `temperature` > 100",
      ],
      { sets: { "pipeline.name": pipelineName } },
    );
    startedJobs.push(jobId);
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);

    const running = await flink.rest.waitForJobRunning(jobId);
    expect(running.name).toBe(pipelineName);
    expect(await flink.rest.pipelineName(jobId)).toBe(pipelineName);

    const expected = readings
      .filter((r) => r.temperature > 100)
      .map((r) => ({ ...r, anomaly: true }))
      .sort(byDeviceAndTime);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(500);

    // Wait until every anomaly has arrived, then stop: the stop's savepoint flushes the sink.
    await waitFor("all anomalies in the sink topic", async () => {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(output).finally(() => admin.disconnect());
      return Number(offsets[0]?.high ?? "0") >= expected.length ? true : undefined;
    });

    const savepointDir = mkdtempSync(join(tmpdir(), "sluice-savepoints-"));
    createdDirs.push(savepointDir);
    const savepointPath = await flink.rest.stopWithSavepointAndWait(jobId, {
      targetDirectory: `file://${savepointDir}`,
      drain: false,
    });
    expect(savepointPath).toMatch(/^file:\//);
    const localPath = savepointPath.replace(/^file:(?:\/\/)?/, "");
    expect(localPath.startsWith(savepointDir)).toBe(true);
    expect(existsSync(localPath)).toBe(true);
    expect(readdirSync(localPath)).toContain("_metadata");
    expect((await flink.rest.waitForJobState(jobId, ["FINISHED"])).state).toBe("FINISHED");

    // Exactly the anomalies: nothing missing, nothing extra, nothing altered.
    const received = (await readAll(output)).map((line) => {
      const record = JSON.parse(line) as Reading & { anomaly: boolean };
      // Flink writes ISO-8601 timestamps without trailing zero fractions; compare instants.
      return { ...record, timestamp: new Date(`${record.timestamp}Z`).toISOString().replace("Z", "") };
    });
    expect(received.sort(byDeviceAndTime)).toEqual(expected);
  });

  it("submits a statement set of two INSERTs as ONE Flink job and returns its id", async () => {
    const pipelineName = unique("statement-set");
    const statements = [
      "CREATE TABLE `readings` (`device_id` STRING, `temperature` DOUBLE) WITH ('connector' = 'datagen', 'rows-per-second' = '1')",
      "CREATE TABLE `hot` (`device_id` STRING, `temperature` DOUBLE) WITH ('connector' = 'blackhole')",
      "CREATE TABLE `cold` (`device_id` STRING, `temperature` DOUBLE) WITH ('connector' = 'blackhole')",
      "INSERT INTO `hot` SELECT * FROM `readings` WHERE `temperature` > 100",
      "INSERT INTO `cold` SELECT * FROM `readings` WHERE `temperature` <= 100",
    ];

    // Dry run first: Flink plans both INSERTs without starting anything.
    const plan = await flink.gateway.explain(statements);
    expect(plan).toContain("hot");
    expect(plan).toContain("cold");
    expect((await flink.rest.listJobs()).some((j) => j.name === pipelineName)).toBe(false);

    const { jobId } = await flink.gateway.executeStatementSet(statements, {
      sets: { "pipeline.name": pipelineName },
    });
    startedJobs.push(jobId);

    const ours = await waitFor("the job in /jobs/overview", async () => {
      const jobs = (await flink.rest.listJobs()).filter((j) => j.name === pipelineName);
      return jobs.length > 0 ? jobs : undefined;
    });
    expect(ours.map((j) => j.jid)).toEqual([jobId]);
    const details = await flink.rest.getJob(jobId);
    const sinks = details.vertices.map((v) => v.name).join(" | ");
    expect(sinks).toContain("hot");
    expect(sinks).toContain("cold");

    await flink.rest.cancel(jobId);
    expect((await flink.rest.waitForJobState(jobId, ["CANCELED"])).state).toBe("CANCELED");
  });

  it("maps a statement Flink rejects to SQL_ERROR with Flink's message", async () => {
    const table = unique("no_such_table");
    const error = await flink.gateway.runStatement(`SELECT * FROM \`${table}\``).catch((e: unknown) => e);
    expect(isFlinkClientError(error)).toBe(true);
    const flinkError = error as FlinkClientError;
    expect(flinkError.code).toBe("SQL_ERROR");
    expect(flinkError.retryable).toBe(false);
    expect(flinkError.flinkMessage).toContain(`Object '${table}' not found`);
    expect(flinkError.message).toContain(table);
  });

  it("maps an unknown job to JOB_NOT_FOUND", async () => {
    await expect(flink.rest.getJob("0".repeat(32))).rejects.toMatchObject({
      code: "JOB_NOT_FOUND",
      status: 404,
    });
  });

  it("reports an unreachable Flink as FLINK_UNREACHABLE with the URL tried, after bounded retries", async () => {
    const port = await closedPort();
    const down = new FlinkClient({
      restUrl: `http://127.0.0.1:${port}`,
      sqlGatewayUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
    });
    try {
      const error = (await down.gateway
        .executeStatementSet(["INSERT INTO t SELECT 1"])
        .catch((e: unknown) => e)) as FlinkClientError;
      expect(error.code).toBe("FLINK_UNREACHABLE");
      expect(error.url).toBe(`http://127.0.0.1:${port}/v4/sessions`);
      expect(error.attempts).toBe(3);
      await expect(down.rest.overview()).rejects.toMatchObject({
        code: "FLINK_UNREACHABLE",
        url: `http://127.0.0.1:${port}/overview`,
        attempts: 3,
      });
    } finally {
      await down.close();
    }
  });
});

function byDeviceAndTime(a: Reading, b: Reading): number {
  return a.device_id.localeCompare(b.device_id) || a.timestamp.localeCompare(b.timestamp);
}
