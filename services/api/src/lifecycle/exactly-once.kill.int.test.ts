import { sensorAnomalies, transactionsHourly } from "@sluice/flink-jobs/jobs";
import {
  type ConsumedRecord,
  consumeAll,
  createTopics,
  deleteTopics,
  killComponent,
  sqlTimestamp,
  stackEndpoints,
  stackUp,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  committedOffsets,
  completedCheckpoints,
  ensureTwoTaskManagers,
  failureNoticedAt,
  flinkRestarts,
  type InputRecord,
  jobName,
  produceAt,
  removeJob,
  restoreStack,
  type Sluice,
  sleep,
  sluiceRestarts,
  sourceGroupId,
  startSluice,
  submitAndRun,
  TopicWatch,
  taskManagersOf,
  twoTaskManagerSettings,
  untilRunning,
} from "../../test/kill-stage.ts";

/**
 * What a TaskManager crash costs a pipeline's output, on the REAL stack: two TaskManagers, jobs at
 * parallelism 2 over 4-partition topics, checkpoints every second, input produced while one
 * TaskManager running the job is SIGKILLed and brought back.
 *
 * 1. Exactly-once (transactions-hourly, a transactional Kafka sink): a read_committed reader sees
 *    exactly the expected hourly totals, each once: 0 lost, 0 duplicated.
 * 2. At-least-once (sensor-anomalies): every expected alert arrives; repeats are counted, and an
 *    alert whose reading lies before the source offsets the last checkpoint before the kill
 *    committed must never repeat (that would be a restart from an older position or empty state).
 *
 * The stack runs one TaskManager unless `SLUICE_TASKMANAGERS` says more: this file starts a second
 * one and stops it at the end. In the `kill` project (one file at a time, after the others).
 * Alone: `npx vitest run --project kill services/api/src/lifecycle/exactly-once.kill.int.test.ts`.
 */
const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const PARTITIONS = 4;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 2, 1, 0);
const log = (line: string) => console.log(`[exactly-once kill] ${line}`);

let sluice: Sluice;
let added: string[] = [];
const topics: string[] = [];
const jobs: string[] = [];

beforeAll(async () => {
  added = await ensureTwoTaskManagers();
  sluice = await startSluice();
});

afterAll(async () => {
  if (sluice) for (const name of jobs) await removeJob(sluice, name);
  await restoreStack(added);
  await sluice?.close();
  await deleteTopics(topics).catch(() => undefined);
});

async function newTopics(...prefixes: string[]): Promise<string[]> {
  const names = prefixes.map((p) => uniqueName(p));
  await createTopics(names.map((topic) => ({ topic, partitions: PARTITIONS })));
  topics.push(...names);
  return names;
}

/**
 * SIGKILLs a TaskManager that runs a task of the Flink job and starts bringing it back at once (as
 * a supervisor would); `back` resolves once the stack is whole again.
 */
async function killTaskManagerOf(flinkJobId: string) {
  const placement = await taskManagersOf(flinkJobId);
  const victim = placement[0] as string;
  const killedAt = Date.now();
  await killComponent(twoTaskManagerSettings(), victim, "SIGKILL");
  log(`job on ${placement.join(" + ")}; SIGKILLed ${victim}`);
  const back = stackUp(twoTaskManagerSettings(), () => undefined).then(() => Date.now());
  return { placement, victim, killedAt, back };
}

/** Produces `batches` one after the other, `gapMs` apart, calling `after(i)` once batch i is in. */
async function trickle(
  topic: string,
  batches: InputRecord[][],
  gapMs: number,
  after: (i: number) => void = () => undefined,
): Promise<bigint[][]> {
  const offsets: bigint[][] = [];
  for (const [i, batch] of batches.entries()) {
    offsets.push(await produceAt(topic, batch));
    after(i);
    await sleep(gapMs);
  }
  return offsets;
}

/** Flink restarts over every run of the job (Flink's own, and those of runs Sluice resubmitted). */
async function allFlinkRestarts(name: string): Promise<number> {
  const detail = (await sluice.app.inject({ url: `/v1/jobs/${name}` })).json() as {
    runs: Array<{ flinkJobId: string }>;
  };
  let total = 0;
  for (const run of detail.runs) total += await flinkRestarts(run.flinkJobId).catch(() => 0);
  return total;
}

/** The recovery figures of one kill, printed and returned for assertions. */
async function recoveryFigures(name: string, flinkJobId: string, killedAt: number, watch: TopicWatch) {
  const noticedAt = (await failureNoticedAt(flinkJobId, killedAt)) ?? Number.NaN;
  // Anything committed before the kill reaches the reader within milliseconds, and Flink cannot
  // write again before it noticed the loss: the first record after that is the resumed output.
  const resumed = watch.arrivals.find((a) => a.arrivedAt > noticedAt);
  const restarts = await sluiceRestarts(sluice, name);
  const flink = await allFlinkRestarts(name);
  log(
    `${name}: kill -> Flink noticed ${noticedAt - killedAt} ms; kill -> output resumed ${
      resumed ? resumed.arrivedAt - killedAt : "never"
    } ms; Flink restarts ${flink}; Sluice restarts ${restarts.restarts} (budget spent ${restarts.spent}, counter ${restarts.attempts})`,
  );
  log(`${name}: shown states: ${restarts.states.join(" | ")}`);
  // Flink's exception history, not `numRestarts`: its metric is read through a cache (~10 s).
  return { ...restarts, flink, resumed, noticed: !Number.isNaN(noticedAt) };
}

// ---------------------------------------------------------------------------
// 1. Exactly-once: transactions-hourly
// ---------------------------------------------------------------------------

/** `{"date":...,"amount":12.34,...}` of one transaction; amounts as JSON numbers with cents. */
function transactionLine(at: number, cents: number, user: string): string {
  const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  return `{"date":"${sqlTimestamp(at)}","amount":${amount},"user_id":"${user}"}`;
}

const CENTS = [1_010, 2_020, 1_999, 999, 1_001, 33_333, 7, 1_000, 4_567, 12_345, 500, 10_010];

/** Hour `h`: 24 transactions in time order, round-robin over the partitions, some below 10.00. */
function hourOfTransactions(h: number): Array<InputRecord & { cents: number }> {
  return Array.from({ length: 24 }, (_, j) => {
    const cents = CENTS[(h * 24 + j) % CENTS.length] as number;
    const at = T0 + h * HOUR + j * 150_000;
    return { partition: j % PARTITIONS, cents, value: transactionLine(at, cents, `u${j % 5}`) };
  });
}

/** The hourly rows the job must write, as `start|end|total|count` (total as Flink writes it). */
function expectedHourly(hours: number[]): string[] {
  return hours.map((h) => {
    const kept = hourOfTransactions(h).filter((tx) => tx.cents >= 1_000);
    const cents = kept.reduce((sum, tx) => sum + tx.cents, 0);
    const total = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
    return `${sqlTimestamp(T0 + h * HOUR)}|${sqlTimestamp(T0 + (h + 1) * HOUR)}|${total}|${kept.length}`;
  });
}

function hourlyRow(r: ConsumedRecord): string {
  const v = r.value as { window_start: string; window_end: string; transaction_count: number };
  const total = /"total_amount":(-?[0-9.]+)/.exec(r.raw ?? "")?.[1];
  return `${v.window_start}|${v.window_end}|${total}|${v.transaction_count}`;
}

const sorted = (rows: string[]) => [...rows].sort();

describe("a TaskManager dies under a job at parallelism 2 on 2 TaskManagers (real processes, SIGKILL)", () => {
  it("exactly-once: transactions-hourly's read_committed output equals the expected hourly totals, 0 lost, 0 duplicated", async () => {
    const [input, output] = (await newTopics("eo_transactions", "eo_transactions_hourly")) as [
      string,
      string,
    ];
    const name = jobName("eo-hourly");
    jobs.push(name);
    const watch = await TopicWatch.start(output);
    try {
      const spec = {
        ...transactionsHourly({
          bootstrapServers,
          inputTopic: input,
          outputTopic: output,
          checkpointInterval: "1 s",
        }),
        name,
        parallelism: 2,
      };
      const job = await submitAndRun(sluice, spec);
      const flinkJobId = job.flinkJobId as string;

      // First half: hours 0-5; hours 0-4 close (hour 5's records move the watermark past 05:00).
      await produceAt(input, [0, 1, 2, 3, 4, 5].flatMap(hourOfTransactions));
      await waitFor(() => watch.arrivals.length >= 5, {
        timeout: 60_000,
        interval: 200,
        description: "hours 0-4 committed before the kill",
      });
      expect(await completedCheckpoints(flinkJobId)).toBeGreaterThanOrEqual(1);

      // Second half, an hour every 500 ms (each closes the hour before); the kill lands after the third.
      let sent = -1;
      const second = trickle(input, [6, 7, 8, 9, 10, 11].map(hourOfTransactions), 500, (i) => {
        sent = i;
      });
      await waitFor(() => sent >= 2, { timeout: 30_000, interval: 50, description: "three hours more sent" });
      await sleep(300);
      const committedAtKill = watch.arrivals.length;
      const kill = await killTaskManagerOf(flinkJobId);
      await second;
      const backAt = await kill.back;
      await untilRunning(sluice, name, 120_000);
      log(
        `TaskManager back ${backAt - kill.killedAt} ms after the kill; ${committedAtKill} rows committed at the kill`,
      );

      // A far-future transaction on every partition closes every window (it is below the minimum).
      await produceAt(
        input,
        Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          value: transactionLine(T0 + 100 * HOUR, 100, "sentinel"),
        })),
      );
      const expected = expectedHourly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      await waitFor(() => watch.arrivals.length >= expected.length, {
        timeout: 90_000,
        interval: 250,
        description: `${expected.length} hourly rows committed`,
      });
      await sleep(2_000); // room for a repeat to show up
      const read = (await consumeAll(output, { idleMs: 2_000, timeoutMs: 30_000 })).map(hourlyRow);
      const rows = watch.records.map(hourlyRow);
      const figures = await recoveryFigures(name, flinkJobId, kill.killedAt, watch);
      const lost = expected.filter((row) => !read.includes(row));
      log(
        `${name}: ${read.length} rows read (read_committed), ${expected.length} expected: lost ${lost.length}, duplicated ${read.length - new Set(read).size}`,
      );

      expect(sorted(read)).toEqual(sorted(expected));
      expect(sorted(rows)).toEqual(sorted(expected));
      expect(figures.noticed).toBe(true); // the kill hit the job: Flink recorded the failure
      expect(figures.resumed).toBeDefined();
      expect(figures.spent).toBe(0);
    } finally {
      await watch.close();
      await removeJob(sluice, name);
    }
  });

  // -------------------------------------------------------------------------
  // 2. At-least-once: sensor-anomalies
  // -------------------------------------------------------------------------

  it("at-least-once: sensor-anomalies loses no alert and repeats none from before the last checkpoint", async () => {
    const [input, output] = (await newTopics("alo_sensor_data", "alo_sensor_anomalies")) as [string, string];
    const name = jobName("alo-anomalies");
    jobs.push(name);
    const watch = await TopicWatch.start(output);
    try {
      const spec = {
        ...sensorAnomalies({ bootstrapServers, inputTopic: input, outputTopic: output }),
        name,
        parallelism: 2,
        checkpoints: { interval: "1 s" },
      };
      const job = await submitAndRun(sluice, spec);
      const flinkJobId = job.flinkJobId as string;
      const groupId = sourceGroupId(job, input);

      // Reading i: device d<i mod 4> on partition i mod 4, at T0 + i s (so an alert names its
      // reading), above 100 except every fifth.
      const readings = Array.from({ length: 1_600 }, (_, i) => ({
        seq: i,
        partition: i % PARTITIONS,
        alert: i % 5 !== 0,
        value: JSON.stringify({
          device_id: `d${i % PARTITIONS}`,
          timestamp: T0 + i * 1_000, // epoch milliseconds, as the sensor jobs read them
          temperature: i % 5 === 0 ? 95.5 : 100.5 + (i % 7),
        }),
      }));
      const batches = Array.from({ length: 8 }, (_, b) => readings.slice(b * 200, (b + 1) * 200));
      const offsets: bigint[] = [];
      offsets.push(...(await produceAt(input, batches[0] ?? [])));
      await waitFor(
        async () => {
          const committed = await committedOffsets(groupId, input);
          return watch.arrivals.length > 0 && [...committed.values()].some((o) => o > 0n);
        },
        {
          timeout: 60_000,
          interval: 250,
          description: "alerts out and source offsets committed by a checkpoint",
        },
      );

      let sent = -1;
      const rest = trickle(input, batches.slice(1), 400, (i) => {
        sent = i;
      });
      await waitFor(() => sent >= 2, {
        timeout: 30_000,
        interval: 50,
        description: "three batches more sent",
      });
      await sleep(200);
      // What the newest checkpoint before the kill covers: Flink commits a checkpoint's source
      // offsets once it completes, so these are at most that checkpoint's (never ahead of it).
      const covered = await committedOffsets(groupId, input);
      const kill = await killTaskManagerOf(flinkJobId);
      for (const batchOffsets of await rest) offsets.push(...batchOffsets);
      const backAt = await kill.back;
      await untilRunning(sluice, name, 120_000);
      log(`TaskManager back ${backAt - kill.killedAt} ms after the kill; covered offsets ${[...covered]}`);

      const alertKey = (r: ConsumedRecord) => {
        const v = r.value as { device_id: string; timestamp: string };
        // Alerts carry the reading's instant as ISO-8601 text (e.g. 2024-03-01T00:00:01Z).
        return (Date.parse(v.timestamp) - T0) / 1_000;
      };
      const expected = readings.filter((r) => r.alert).map((r) => r.seq);
      await waitFor(() => new Set(watch.records.map(alertKey)).size >= expected.length, {
        timeout: 90_000,
        interval: 250,
        description: `${expected.length} distinct alerts`,
      });
      await sleep(2_000);
      const seen = watch.records.map(alertKey);
      const counts = new Map<number, number>();
      for (const seq of seen) counts.set(seq, (counts.get(seq) ?? 0) + 1);
      const repeated = [...counts].filter(([, n]) => n > 1).map(([seq]) => seq);
      const isCovered = (seq: number) =>
        (offsets[seq] as bigint) < (covered.get(readings[seq]?.partition ?? -1) ?? -1n);
      const repeatedCovered = repeated.filter(isCovered);
      const figures = await recoveryFigures(name, flinkJobId, kill.killedAt, watch);
      log(
        `${name}: ${seen.length} alerts read for ${expected.length} expected: lost ${
          expected.filter((s) => !counts.has(s)).length
        }, duplicates ${seen.length - counts.size} (${repeated.length} alerts repeated, ${repeatedCovered.length} of them covered by the checkpoint before the kill); ${
          expected.filter(isCovered).length
        } alerts were covered`,
      );

      expect(expected.filter((s) => !counts.has(s))).toEqual([]); // 0 lost
      expect([...counts.keys()].filter((s) => !readings[s]?.alert)).toEqual([]); // nothing else
      expect(expected.filter(isCovered).length).toBeGreaterThan(0); // the checkpoint covered alerts
      expect(repeatedCovered).toEqual([]);
      expect(figures.noticed).toBe(true);
      expect(figures.spent).toBe(0);
    } finally {
      await watch.close();
      await removeJob(sluice, name);
    }
  });
});
