/**
 * How the pipeline bench times a Flink job: from the job's start (Flink's `start-time`) to the
 * Kafka timestamp of its last output record (producer time, set by Flink's Kafka sink), so no
 * polling delay of the bench enters the figure. The job is done when its output topic's end
 * offsets stopped moving for a while; then the output is read back (read_committed) to compare
 * the two Flink sides.
 */
import { Kafka, logLevel } from "kafkajs";

export interface Output {
  /** Record values, sorted (the comparison of sides ignores order across partitions). */
  values: string[];
  /** Largest record timestamp (epoch ms). */
  lastTimestamp: number;
}

export interface JobTimes {
  /** Flink's job start (epoch ms). */
  start: number;
  /** When the last of its tasks was started (epoch ms), the latest vertex `start-time`. */
  tasksStarted: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class KafkaOutputs {
  private readonly kafka: Kafka;

  constructor(brokers: string[]) {
    this.kafka = new Kafka({ clientId: "sluice-bench-pipeline-out", brokers, logLevel: logLevel.NOTHING });
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until the topic has output and its end offsets have not moved for `idleMs`. */
  async waitQuiet(topic: string, idleMs: number, timeoutMs: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      let since = Date.now();
      while (Date.now() < deadline) {
        const ends = await admin.fetchTopicOffsets(topic);
        const total = ends.reduce((n, e) => n + Number(e.high), 0);
        if (total !== last) {
          last = total;
          since = Date.now();
        } else if (total > 0 && Date.now() - since >= idleMs) return;
        await sleep(250);
      }
      throw new Error(`no quiet output on ${topic} within ${timeoutMs} ms (end offsets ${last})`);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits until the consumer group `groupId` (the Flink source's, committed on each checkpoint)
   * has committed every partition of `topic` up to its end: the job has read all its input.
   */
  async waitConsumed(groupId: string, topic: string, timeoutMs: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = ends.every((e) => {
          const c = committed?.partitions.find((p) => p.partition === e.partition);
          return c !== undefined && Number(c.offset) >= Number(e.high);
        });
        if (done) return;
        await sleep(500);
      }
      throw new Error(`${groupId} did not consume ${topic} within ${timeoutMs} ms`);
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the whole topic (read_committed) until every partition reached its end offset. */
  async read(topic: string): Promise<Output> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const consumer = this.kafka.consumer({ groupId: `bench-read-${topic}-${Date.now()}` });
    const values: string[] = [];
    let lastTimestamp = 0;
    const pending = new Set(ends.filter((e) => Number(e.high) > 0).map((e) => e.partition));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        if (pending.size === 0) resolve();
        void consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              values.push(m.value?.toString("utf8") ?? "");
              lastTimestamp = Math.max(lastTimestamp, Number(m.timestamp));
            }
            const end = ends.find((e) => e.partition === batch.partition);
            // Transaction markers take offsets: the batch's high watermark is the end.
            if (
              end &&
              BigInt(batch.highWatermark) >= BigInt(end.high) &&
              Number(batch.lastOffset()) >= Number(end.high) - 2
            ) {
              pending.delete(batch.partition);
              if (pending.size === 0) resolve();
            }
          },
        });
      });
      await Promise.race([done, sleep(60_000)]);
    } finally {
      await consumer.disconnect();
    }
    return { values: values.sort(), lastTimestamp };
  }
}

/** The job's start and its tasks' start, from Flink's REST API. */
export async function jobTimes(restUrl: string, jobId: string): Promise<JobTimes> {
  const res = await fetch(`${restUrl}/jobs/${jobId}`);
  if (!res.ok) throw new Error(`GET /jobs/${jobId} answered ${res.status}`);
  const job = (await res.json()) as { "start-time": number; vertices: Array<{ "start-time": number }> };
  return {
    start: job["start-time"],
    tasksStarted: Math.max(...job.vertices.map((v) => v["start-time"])),
  };
}

/** Waits until every task of the job runs. */
export async function waitTasksRunning(restUrl: string, jobId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${restUrl}/jobs/${jobId}`);
    if (res.ok) {
      const job = (await res.json()) as { state: string; vertices: Array<{ status: string }> };
      if (job.state === "FAILED") throw new Error(`job ${jobId} FAILED`);
      if (job.vertices.length > 0 && job.vertices.every((v) => v.status === "RUNNING")) return;
    }
    await sleep(100);
  }
  throw new Error(`job ${jobId} not running within ${timeoutMs} ms`);
}

/** Cancels a job and waits until Flink has released it. */
export async function cancelJob(restUrl: string, jobId: string): Promise<void> {
  await fetch(`${restUrl}/jobs/${jobId}?mode=cancel`, { method: "PATCH" });
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${restUrl}/jobs/${jobId}`);
    const state = res.ok ? ((await res.json()) as { state: string }).state : "GONE";
    if (["CANCELED", "FAILED", "FINISHED", "GONE"].includes(state)) return;
    await sleep(100);
  }
}
