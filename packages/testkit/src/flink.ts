import { FlinkClient } from "@sluice/flink-client";
import { stackEndpoints } from "./endpoints.ts";
import { withFunctionsJar } from "./functions.ts";
import {
  type ConsumedRecord,
  consumedRecord,
  createTopics,
  deleteTopics,
  kafkaClient,
  type TopicSpec,
} from "./kafka.ts";
import { uniqueName } from "./names.ts";

/** A FlinkClient for the test stack's Flink REST API and SQL Gateway. Close it in `afterAll`. */
export function stackFlinkClient(): FlinkClient {
  const { flinkRestUrl, sqlGatewayUrl } = stackEndpoints();
  return new FlinkClient({ restUrl: flinkRestUrl, sqlGatewayUrl });
}

const STOPPED = ["FINISHED", "CANCELED", "FAILED"] as const;

/**
 * Cancels a job a test started, unless it already stopped, and waits (up to
 * `timeoutMs`) until Flink reports it stopped. Never throws: it is cleanup.
 *
 * Cancelling is asynchronous: a source still running asks for its topics'
 * metadata, and a broker that auto-creates topics would bring deleted ones
 * back. So stop the jobs BEFORE deleting their topics.
 *
 * @example
 *   afterAll(async () => { await stopJob(flink, jobId); await deleteTopics(topics); });
 */
export async function stopJob(flink: FlinkClient, jobId: string, timeoutMs = 60_000): Promise<void> {
  const job = await flink.rest.getJob(jobId).catch(() => undefined);
  if (job === undefined || (STOPPED as readonly string[]).includes(job.state)) return;
  await flink.rest.cancel(jobId).catch(() => undefined);
  await flink.rest.waitForJobState(jobId, STOPPED, { timeoutMs }).catch(() => undefined);
}

/**
 * A problem the job reports (failed, restarting, or an exception in its
 * history) in one line, else undefined.
 *
 * @example
 *   await jobTrouble(flink, jobId) // "job 3f2c... is RESTARTING: org.apache.kafka...TimeoutException: ..."
 */
export async function jobTrouble(flink: FlinkClient, jobId: string): Promise<string | undefined> {
  const job = await flink.rest.getJob(jobId);
  const { entries } = await flink.rest.getExceptions(jobId, 1);
  const newest = entries[0];
  if (newest === undefined && !["FAILED", "RESTARTING", "FAILING"].includes(job.state)) return undefined;
  const cause = newest?.stacktrace
    .split("\n")
    .filter((line) => /Exception|Error/.test(line) && !line.trimStart().startsWith("at "))
    .slice(-2)
    .join(" <- ");
  return `job ${jobId} is ${job.state}${cause ? `: ${cause}` : ""}`;
}

export interface ReadSinkOptions {
  /** The job that writes the topic: its failure ends the wait with its cause. */
  jobId: string;
  /** When the records read so far are the whole answer (checked every second). */
  done: (records: ConsumedRecord[]) => boolean;
  /** Give up after this long and return what arrived (ms, default 150 000). */
  timeoutMs?: number;
  /** After `done`, keep reading this long so that a surplus record shows up (ms, default 4 000). */
  settleMs?: number;
}

/**
 * Reads a Flink job's sink topic from the beginning (read_committed, so only
 * what the job's checkpoints committed) until `done` says the output is
 * complete, then `settleMs` longer so an extra record would be caught. Throws
 * early, with the job's own exception, when the job fails or restarts; else
 * returns what it read for the caller to compare with the expected output.
 *
 * @example
 *   const out = await readSink(flink, sinkTopic, { jobId, done: (r) => r.length >= expected.length });
 *   expect(out.map((r) => r.value)).toEqual(expected);
 */
export async function readSink(
  flink: FlinkClient,
  topic: string,
  options: ReadSinkOptions,
): Promise<ConsumedRecord[]> {
  const { done, jobId, timeoutMs = 150_000, settleMs = 4_000 } = options;
  const consumer = kafkaClient().consumer({
    groupId: uniqueName("sluice_sink_reader"),
    readUncommitted: false,
  });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        records.push(consumedRecord(message, partition));
      },
    });
    const deadline = Date.now() + timeoutMs;
    let nextHealthCheck = Date.now() + 5_000;
    while (!done(records) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (Date.now() >= nextHealthCheck) {
        nextHealthCheck = Date.now() + 5_000;
        const trouble = await jobTrouble(flink, jobId);
        if (trouble !== undefined)
          throw new Error(`${topic}: ${records.length} records read, then ${trouble}`);
      }
    }
    if (done(records)) await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * What a test starts on the shared stack (Flink jobs, Kafka topics), so that
 * `cleanUp()` removes all of it, pass or fail: the jobs first, cancelled and
 * stopped (see {@link stopJob}), then the topics.
 *
 * @example
 *   const stack = new StackResources(flink);
 *   afterEach(() => stack.cleanUp());
 *   const topics = await stack.uniqueTopics("sensor_data", "sensor_anomalies");
 *   const jobId = await stack.runJob(compileJob(spec), `it-${spec.name}`);
 */
export class StackResources {
  readonly flink: FlinkClient;
  readonly #jobs: string[] = [];
  readonly #topics: string[] = [];

  constructor(flink: FlinkClient) {
    this.flink = flink;
  }

  /** Topics someone else creates (an enricher's cache topic, say) that `cleanUp` must delete too. */
  track(...topics: string[]): void {
    this.#topics.push(...topics);
  }

  /** Creates topics (see {@link createTopics}) and deletes them on `cleanUp`. */
  async createTopics(topics: (string | TopicSpec)[]): Promise<void> {
    this.track(...topics.map((t) => (typeof t === "string" ? t : t.topic)));
    await createTopics(topics);
  }

  /**
   * A fresh one-partition topic per prefix (one reader: one watermark and a
   * stable order), by prefix.
   *
   * @example
   *   const topics = await stack.uniqueTopics("clicks", "products"); // { clicks: "clicks_mbx1k2_3f9a1c", ... }
   */
  async uniqueTopics<const K extends string>(...prefixes: K[]): Promise<Record<K, string>> {
    const names = Object.fromEntries(prefixes.map((p) => [p, uniqueName(p)])) as Record<K, string>;
    await this.createTopics(Object.values<string>(names));
    return names;
  }

  /**
   * Submits compiled statements (DDL, then one statement set) through the SQL
   * Gateway as one Flink job named `pipelineName`, and waits until all its tasks
   * run. The functions jar's placeholder is replaced by its path ({@link withFunctionsJar}). The job is cancelled on `cleanUp` even when it never got there.
   */
  async runJob(
    compiled: { statements: readonly { sql: string }[] },
    pipelineName: string,
    { timeoutMs = 120_000, submitTimeoutMs }: { timeoutMs?: number; submitTimeoutMs?: number } = {},
  ): Promise<string> {
    const { jobId } = await this.flink.gateway.executeStatementSet(withFunctionsJar(compiled), {
      sets: { "pipeline.name": pipelineName },
      // Planning a large statement set on a busy machine can outlast the gateway client's 60 s.
      ...(submitTimeoutMs === undefined ? {} : { timeoutMs: submitTimeoutMs }),
    });
    this.#jobs.push(jobId);
    await this.flink.rest.waitForJobRunning(jobId, { timeoutMs });
    return jobId;
  }

  /** Stops the jobs, then deletes the topics, started since the last clean-up. */
  async cleanUp(): Promise<void> {
    for (const jobId of this.#jobs.splice(0)) await stopJob(this.flink, jobId);
    await deleteTopics(this.#topics.splice(0));
  }
}

/**
 * An epoch-millisecond time (UTC) exactly as Flink's JSON format writes a
 * TIMESTAMP(3) (SQL standard, trailing zeros of the fraction dropped), which it
 * also reads, so records produced and read back compare equal.
 *
 * @example
 *   sqlTimestamp(Date.UTC(2024, 2, 1, 9)) // "2024-03-01 09:00:00"
 *   sqlTimestamp(Date.UTC(2024, 2, 1, 9, 0, 0, 250)) // "2024-03-01 09:00:00.25"
 */
export function sqlTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-03-01T09:00:00.250Z
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction === "" ? "" : `.${fraction}`}`;
}

/**
 * An epoch-millisecond time exactly as Flink's JSON format writes a TIMESTAMP_LTZ(3) with
 * `timestamp-format.standard` ISO-8601 (the sensor jobs' alerts): UTC, `T`, trailing zeros of
 * the fraction dropped, `Z`.
 *
 * @example
 *   isoInstant(Date.UTC(2023, 10, 14, 22, 13, 20)) // "2023-11-14T22:13:20Z"
 *   isoInstant(Date.UTC(2023, 10, 14, 22, 13, 22, 250)) // "2023-11-14T22:13:22.25Z"
 */
export function isoInstant(ms: number): string {
  const [date, time] = sqlTimestamp(ms).split(" ");
  return `${date}T${time}Z`;
}
