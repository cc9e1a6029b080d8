/**
 * Side (a): Kafka's own consumer performance tool (`org.apache.kafka.tools.ConsumerPerformance`,
 * what `kafka-consumer-perf-test.sh` runs) reading the whole input topic: the ceiling for a job
 * that must read everything. Its jars (kafka-tools and its dependencies, the broker's versions)
 * are resolved once into the stack's jar cache next to the broker's.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureJars, type JarSet, kafkaJars, type StackSettings, versions } from "@sluice/stack";

const run = promisify(execFile);

/** The tools jar set: kafka-tools on top of the broker's own jars (same versions). */
const kafkaToolsJars: JarSet = {
  ...kafkaJars,
  name: `kafka-tools-${versions.kafka}`,
  dependencies: [
    ...kafkaJars.dependencies,
    { group: "org.apache.kafka", artifact: "kafka-tools", version: versions.kafka },
  ],
};

/** The class path of Kafka's tools (resolved into the jar cache the first time). */
export async function toolsClasspath(settings: StackSettings): Promise<string> {
  const dir = await ensureJars(kafkaToolsJars, settings, (line) => console.log(`[jars] ${line}`));
  return join(dir, "*");
}

export interface ConsumerPerfResult {
  records: number;
  /** Records per second over the fetch time (the tool's `fetch.nMsg.sec`: group join excluded). */
  fetchRecordsPerSecond: number;
  /** Records per second including the consumer group's join (`nMsg.sec`). */
  recordsPerSecond: number;
}

/** Reads `records` records of `topic` with the tool and returns its figures. */
export async function consumerPerf(
  settings: StackSettings,
  brokers: string[],
  topic: string,
  records: number,
): Promise<ConsumerPerfResult> {
  const { stdout } = await run(
    settings.java,
    [
      "-Xmx512m",
      "-cp",
      await toolsClasspath(settings),
      "org.apache.kafka.tools.ConsumerPerformance",
      "--bootstrap-server",
      brokers.join(","),
      "--topic",
      topic,
      "--messages",
      String(records),
      "--timeout",
      "60000",
    ],
    { maxBuffer: 1 << 20 },
  );
  return parse(stdout);
}

/** Parses the tool's CSV: a header line, then one line of values. */
export function parse(stdout: string): ConsumerPerfResult {
  const lines = stdout
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes(","));
  const header = lines.findIndex((l) => l.startsWith("start.time"));
  const values = lines[header + 1];
  if (header < 0 || values === undefined)
    throw new Error(`unexpected ConsumerPerformance output:\n${stdout}`);
  const names = (lines[header] as string).split(",").map((s) => s.trim());
  const cells = values.split(",").map((s) => s.trim());
  const get = (name: string) => Number(cells[names.indexOf(name)]);
  return {
    records: get("data.consumed.in.nMsg"),
    fetchRecordsPerSecond: get("fetch.nMsg.sec"),
    recordsPerSecond: get("nMsg.sec"),
  };
}
