import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  consumeAll,
  createTopics,
  deleteTopics,
  freePort,
  isoInstant,
  produceRaw,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Issue 10's story, on the REAL API (a child process) and the real Flink and Kafka of the stack:
 * readings shaped as a Python producer writes them (`json.dumps`, the time in epoch milliseconds:
 * `{"device_id": "sensor-042", "timestamp": 1700000000000, "temperature": 101.3}`) go to a topic,
 * `sluice apply` starts the flagship `sensor-anomalies` on it, and the alerts arrive: exactly the
 * readings above 100, each with its instant as ISO-8601, no dead letter on `<topic>.dlq`, and the
 * API's flow counts every reading read and none dead-lettered. Before, the job read `timestamp`
 * as SQL text: every such reading was dropped (then dead-lettered), and no alert came out.
 *
 * The job file given to `sluice apply` is the flagship's factory with a unique name (as the demo
 * names its jobs): the shared stack may run another `sensor-anomalies` at the same time.
 */

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(root, "node_modules/.bin/sluice");
const flagship = pathToFileURL(join(root, "flink-jobs/jobs/sensor-anomalies.ts")).href;
const TOKEN = `cli-epoch-${Math.random().toString(36).slice(2, 14)}`;
const endpoints = stackEndpoints();
const jobName = uniqueName("python-readings").replaceAll("_", "-");
const topics = { input: uniqueName("py_sensor_data"), output: uniqueName("py_sensor_anomalies") };
const deadLetterTopic = `${topics.input}.dlq`;

let workDir = "";
let api: ChildProcess | undefined;
let apiLog = "";
let apiUrl = "";

/** Runs `sluice <args>` with the API URL and token in the environment. */
function sluice(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? "", SLUICE_API_URL: apiUrl, SLUICE_API_TOKEN: TOKEN },
        timeout: 200_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** A reading as Python's `json.dumps` writes it (`", "` and `": "` separators, floats with a point). */
function pythonJson(device: string, epochMs: number, temperature: number): string {
  const t = Number.isInteger(temperature) ? temperature.toFixed(1) : String(temperature);
  return `{"device_id": "${device}", "timestamp": ${epochMs}, "temperature": ${t}}`;
}

const START = 1_700_000_000_000; // 2023-11-14T22:13:20Z, the reading
const readings = Array.from({ length: 60 }, (_, i) => ({
  device: `sensor-${String(i % 6).padStart(3, "0")}`,
  ms: START + i * 1_500 + (i % 4) * 125,
  temperature: i % 5 === 0 ? 100.5 + i : 60 + (i % 30),
}));
readings[0] = { device: "sensor-042", ms: START, temperature: 101.3 };

async function startApi(): Promise<void> {
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, [join(root, "services/api/src/server.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      SLUICE_API_PORT: String(port),
      SLUICE_API_TOKENS: TOKEN,
      SLUICE_DB_PATH: join(workDir, "sluice.db"),
      SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
      SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
      SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
      SLUICE_SAVEPOINT_DIR: pathToFileURL(join(workDir, "savepoints")).href,
      SLUICE_RECONCILE_INTERVAL_MS: "500",
      SLUICE_FLOW_INTERVAL_MS: "1000",
      SLUICE_FLOW_MAX_AGE_MS: "10000",
      SLUICE_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = (chunk: Buffer) => {
    apiLog += chunk.toString();
  };
  api.stdout?.on("data", log);
  api.stderr?.on("data", log);
  await waitFor(
    async () => {
      if (api?.exitCode !== null) throw new Error(`the API exited: ${apiLog}`);
      const res = await fetch(`${apiUrl}/healthz`).catch(() => undefined);
      return res?.ok === true;
    },
    { timeout: 60_000, description: "the API answers /healthz" },
  );
}

describe("Python-shaped epoch-ms readings through `sluice apply` sensor-anomalies", () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "sluice-cli-epoch-"));
    await createTopics([topics.input, topics.output, deadLetterTopic]);
    await produceRaw(
      topics.input,
      readings.map((r) => ({ key: r.device, value: pythonJson(r.device, r.ms, r.temperature) })),
    );
    await startApi();
  });

  afterAll(async () => {
    if (apiUrl !== "") await sluice("rm", jobName, "--cancel", "--wait", "--timeout", "60");
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api?.once("exit", resolve));
      api.kill("SIGTERM");
      await exited;
    }
    await deleteTopics([topics.input, topics.output, deadLetterTopic]).catch(() => undefined);
    if (workDir !== "") await rm(workDir, { recursive: true, force: true });
  });

  it("the alerts arrive, exactly the readings above 100 with their instants, and no dead letter", async () => {
    const file = join(workDir, "sensor-anomalies.ts");
    await writeFile(
      file,
      `import { sensorAnomalies } from ${JSON.stringify(flagship)};\n` +
        `export default (params) => ({ ...sensorAnomalies(params), name: ${JSON.stringify(jobName)} });\n`,
    );
    const apply = await sluice(
      "apply",
      file,
      "--param",
      `inputTopic=${topics.input}`,
      "--param",
      `outputTopic=${topics.output}`,
      "--param",
      `bootstrapServers=${endpoints.kafkaBrokers.join(",")}`,
      "--wait",
      "--timeout",
      "180",
    );
    // `--wait` returns once Flink has the job: RUNNING, or STARTING while its tasks deploy.
    expect({ code: apply.code, stderr: apply.stderr, log: apply.code === 0 ? "" : apiLog }).toMatchObject({
      code: 0,
    });
    expect(apply.stdout).toMatch(
      new RegExp(`^${jobName} is (RUNNING|STARTING) \\(version 1, Flink job [0-9a-f]{32}\\)`),
    );

    const expected = readings
      .filter((r) => r.temperature > 100)
      .map((r) => ({
        device_id: r.device,
        timestamp: isoInstant(r.ms),
        temperature: r.temperature,
        anomaly: true,
      }));
    expect(expected[0]).toEqual({
      device_id: "sensor-042",
      timestamp: "2023-11-14T22:13:20Z",
      temperature: 101.3,
      anomaly: true,
    });
    const alerts = await consumeAll(topics.output, { expected: expected.length, timeoutMs: 90_000 });
    const byTime = (a: { timestamp: string }, b: { timestamp: string }) =>
      a.timestamp.localeCompare(b.timestamp);
    expect(alerts.map((r) => r.value as { timestamp: string }).sort(byTime)).toEqual(expected.sort(byTime));

    // Every reading read, none dead-lettered: in the API's flow and on the dead-letter topic.
    const flow = await waitFor(
      async () => {
        const get = await sluice("get", jobName, "--json");
        const job = JSON.parse(get.stdout) as {
          flow: { sources: Array<{ table: string; recordsRead: number; deadLettered: number }> } | null;
          conditions: Array<{ type: string; status: string }>;
        };
        const source = job.flow?.sources.find((s) => s.table === "sensor_data");
        return source?.recordsRead === readings.length ? { source, conditions: job.conditions } : undefined;
      },
      { timeout: 60_000, interval: 500, description: `${jobName}'s flow counts ${readings.length} readings` },
    );
    expect(flow.source.deadLettered).toBe(0);
    expect(flow.conditions.find((c) => c.type === "NoDeadLetters")?.status).toBe("True");
    expect(await consumeAll(deadLetterTopic, { idleMs: 2_000, timeoutMs: 10_000 })).toEqual([]);
  }, 300_000);
});
