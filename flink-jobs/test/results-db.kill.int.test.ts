/**
 * Results in PostgreSQL, on the REAL stack (Flink + Kafka + the launcher's PostgreSQL):
 * transactions-hourly upserts hourly totals through Flink's JDBC connector, exactly,
 * across a stop/resume through a savepoint, a TaskManager SIGKILL and the database
 * going down and coming back; clicks-with-products looks products up in PostgreSQL
 * and sees a changed row once its cache entry expires.
 *
 * Run: npx vitest run --project kill flink-jobs/test/results-db.kill.int.test.ts
 */

import { compileJob, defineJob, type JobSpec } from "@sluice/flink-jobs";
import {
  killComponent,
  stackSettings,
  stackStatus,
  stackUp,
  startPostgres,
  stopPostgres,
} from "@sluice/stack";
import {
  datagenToBlackhole,
  dropPgTables,
  jobTrouble,
  pgQuery,
  produceJson,
  readSink,
  StackResources,
  sqlTimestamp,
  stackEndpoints,
  stackFlinkClient,
  stackPostgres,
  stopJob,
  uniqueName,
  uniquePgTable,
  waitFor,
  withStackSecrets,
} from "@sluice/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { clicksWithProducts } from "../jobs/clicks-with-products.ts";
import { transactionsHourly } from "../jobs/transactions-hourly.ts";

const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const flink = stackFlinkClient();
const stack = new StackResources(flink);
const settings = stackSettings();
const pgTables: string[] = [];
const quiet = () => undefined;

afterEach(async () => {
  await stack.cleanUp();
  await dropPgTables(pgTables.splice(0));
});
afterAll(() => flink.close());

/**
 * Compiles and submits the spec (secrets resolved), from a savepoint when given, and waits until
 * it runs. The gateway gets 3 min: on a loaded 2-core machine serialising the job graph alone
 * has taken over a minute.
 */
async function submit(spec: JobSpec, recoverFrom?: string): Promise<string> {
  const sql = withStackSecrets(compileJob(spec)).statements.map((s) => s.sql);
  const sets: Record<string, string> = { "pipeline.name": uniqueName(`it-resdb-${spec.name}`) };
  if (recoverFrom !== undefined) sets["execution.state-recovery.path"] = recoverFrom;
  const { jobId } = await flink.gateway.executeStatementSet(sql, { sets, timeoutMs: 180_000 });
  jobs.push(jobId);
  await flink.rest.waitForJobRunning(jobId, { timeoutMs: 120_000 });
  return jobId;
}
const jobs: string[] = [];
afterEach(async () => {
  for (const jobId of jobs.splice(0)) await stopJob(flink, jobId);
});

interface Tx {
  date: string;
  amount: string;
  user_id: string;
}
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 2, 1, 0);
/** `n` transactions in hour `h` (amounts 5.00 .. with cents), some below the 10.00 minimum. */
function hourOf(h: number, n: number): Tx[] {
  return Array.from({ length: n }, (_, i) => ({
    date: sqlTimestamp(T0 + h * HOUR + i * 1_000),
    amount: (5 + i * 3.33).toFixed(2),
    user_id: `u${i % 4}`,
  }));
}
/** A record far later than the data: it only moves the watermark (below the 10.00 minimum, so no row). */
const flushAt = (h: number): Tx => ({ date: sqlTimestamp(T0 + h * HOUR), amount: "1.00", user_id: "flush" });

/** The pid of the stack's TaskManager process (undefined when it does not run). */
async function taskManagerPid(): Promise<number | undefined> {
  return (await stackStatus(settings)).find((c) => c.name === "taskmanager-1")?.pid;
}

/** Expected rows of the PostgreSQL table, computed here in cents (exact). */
function expectedHourly(txs: Tx[]): { start: string; total: string; count: number }[] {
  const byHour = new Map<number, { cents: number; count: number }>();
  for (const tx of txs) {
    const cents = Math.round(Number(tx.amount) * 100);
    if (cents < 1000) continue;
    const hour = Math.floor((Date.parse(`${tx.date.replace(" ", "T")}Z`) - T0) / HOUR);
    const cur = byHour.get(hour) ?? { cents: 0, count: 0 };
    byHour.set(hour, { cents: cur.cents + cents, count: cur.count + 1 });
  }
  return [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([h, v]) => ({
      start: sqlTimestamp(T0 + h * HOUR),
      total: (v.cents / 100).toFixed(2),
      count: v.count,
    }));
}
async function hourlyRows(table: string) {
  const rows = await pgQuery<{ start: string; total: string; count: string }>(
    `SELECT to_char(window_start, 'YYYY-MM-DD HH24:MI:SS') AS start, total_amount::text AS total,
            transaction_count::text AS count FROM "${table}" ORDER BY window_start`,
  );
  return rows.map((r) => ({ start: r.start, total: r.total, count: Number(r.count) }));
}

async function hourlyJob() {
  const topics = await stack.uniqueTopics("transactions", "transactions_hourly");
  const table = await uniquePgTable("transactions_hourly");
  pgTables.push(table);
  const spec = transactionsHourly({
    bootstrapServers,
    inputTopic: topics.transactions,
    outputTopic: topics.transactions_hourly,
    checkpointInterval: "1 s",
    postgres: { url: stackPostgres().jdbcUrl, tables: { transactions_hourly: table }, batchRows: 100 },
  });
  return { topics, table, spec };
}

/** Waits until the table holds `expected` (and fails early with the job's own exception). */
async function untilRows(table: string, expected: unknown[], jobId: string, timeoutMs = 90_000) {
  await waitFor(
    async () => {
      const rows = await hourlyRows(table);
      if (rows.length >= expected.length) return rows;
      const trouble = await jobTrouble(flink, jobId).catch(() => undefined);
      if (trouble?.includes("FAILED")) throw new Error(trouble);
      return undefined;
    },
    { timeout: timeoutMs, interval: 1_000, description: `${expected.length} rows in ${table}` },
  );
  return hourlyRows(table);
}

describe("transactions-hourly into PostgreSQL (JDBC upsert sink)", () => {
  it("equals the expected hourly totals exactly, across a savepoint stop/resume and a TaskManager SIGKILL", async () => {
    const { topics, table, spec } = await hourlyJob();
    const part1 = [...hourOf(0, 12), ...hourOf(1, 9)];
    const part2 = [...hourOf(2, 7), ...hourOf(3, 11)];
    const part3 = [...hourOf(4, 8), ...hourOf(5, 6)];
    const flush = [{ date: sqlTimestamp(T0 + 100 * HOUR), amount: "1.00", user_id: "flush" }];

    let jobId = await submit(spec);
    // Hours 0 and 1 close once the watermark (5 s behind) passes 02:00: hour 2's records reach 02:00:06.
    await produceJson(topics.transactions, [...part1, ...part2.slice(0, 7)]);
    await untilRows(table, expectedHourly(part1), jobId);
    const savepoint = await flink.rest.stopWithSavepointAndWait(jobId, { drain: false });

    // Hours 2 and 3 close once hour 4's records reach 04:00:06.
    await produceJson(topics.transactions, [...part2.slice(7), ...part3.slice(0, 7)]);
    jobId = await submit(spec, savepoint);
    await untilRows(table, expectedHourly([...part1, ...part2]), jobId);
    // A replay, made deterministic: cancel and start again from the same savepoint, so hours 2 and 3
    // are written a second time. An upsert overwrites them; a plain INSERT would hit the table's
    // primary key and the job would never get to hours 4 and 5 below.
    await flink.rest.cancel(jobId);
    await flink.rest.waitForJobState(jobId, ["CANCELED"], { timeoutMs: 60_000 });
    jobId = await submit(spec, savepoint);

    // A TaskManager crash mid-stream: the job restarts from its last checkpoint and re-sends
    // windows the database already has; the upsert by primary key keeps one row per window.
    expect(await killComponent(settings, "taskmanager-1")).toBeGreaterThan(0);
    await produceJson(topics.transactions, [...part3.slice(7), ...flush]);
    await stackUp(settings, quiet);
    const all = expectedHourly([...part1, ...part2, ...part3]);
    const rows = await untilRows(table, all, jobId);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await hourlyRows(table)).toEqual(all);
    expect(rows).toEqual(all);
  }, 240_000);

  /**
   * A database outage fails and restarts only the job that writes to it (its exceptions say why),
   * the TaskManager and the other jobs on it keep running (connector `sluice-jdbc`: the JDBC sink
   * of flink-connector-jdbc 4.0.0-2.0 rethrows a failed flush from `close()`, which Flink 2.x makes
   * fatal for the whole TaskManager), and once the database is back every window lands once.
   */
  it("says so when the database is down, restarts only its job, and catches up when it is back", async () => {
    const { topics, table, spec } = await hourlyJob();
    const before = [...hourOf(0, 5), ...hourOf(1, 5)];
    const after = [...hourOf(2, 7), ...hourOf(3, 4)];
    const jobId = await submit(spec);
    const bystander = await submit(
      defineJob(datagenToBlackhole({ name: "resdb-bystander", rowsPerSecond: 5 })),
    );
    const tmPid = await taskManagerPid();
    await produceJson(topics.transactions, [...before, ...after.slice(0, 7)]);
    await untilRows(table, expectedHourly(before), jobId);

    try {
      expect(await stopPostgres(settings)).toBe("stopped");
      // Hour 3 and a record of hour 100: hours 2 and 3 close while the database is down.
      await produceJson(topics.transactions, [...after.slice(7), flushAt(100)]);
      const outage = /PSQLException|SQLException|JDBC|Connection to \S+ refused/i;
      let lastSeen: string | undefined;
      const trouble = await waitFor(
        async () => {
          lastSeen = (await jobTrouble(flink, jobId)) ?? lastSeen;
          return lastSeen !== undefined && outage.test(lastSeen) ? lastSeen : undefined;
        },
        { timeout: 60_000, interval: 1_000, description: "the job to report the database outage" },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${lastSeen ?? "nothing"}`);
      });
      expect(trouble).toMatch(outage);
      // Only that job: the TaskManager is the same process, the other job on it never failed.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await taskManagerPid()).toBe(tmPid);
      expect(await jobTrouble(flink, bystander)).toBeUndefined();
    } finally {
      await startPostgres(settings, quiet);
    }
    // The stream goes on (a record of hour 200). Flink does not checkpoint watermarks: a restart
    // from a checkpoint taken after hour 3 was read but before its window closed keeps hours 2
    // and 3 in state until a newer record moves the watermark past them again.
    await produceJson(topics.transactions, [flushAt(200)]);
    const all = expectedHourly([...before, ...after]);
    expect(await untilRows(table, all, jobId, 120_000)).toEqual(all);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await hourlyRows(table)).toEqual(all);
    expect(await taskManagerPid()).toBe(tmPid);
    expect((await flink.rest.getJob(bystander)).state).toBe("RUNNING");
  }, 300_000);
});

describe("clicks-with-products: lookup join against PostgreSQL", () => {
  it("joins the product row valid at lookup time, and sees a changed row after the cache expires", async () => {
    const topics = await stack.uniqueTopics("clicks", "enriched_clicks");
    const products = await uniquePgTable("products");
    pgTables.push(products);
    await pgQuery(`INSERT INTO "${products}" (product_id, name, category, price) VALUES ($1, $2, $3, $4)`, [
      "p1",
      "Lamp",
      "home",
      "10.00",
    ]);
    const spec = clicksWithProducts({
      bootstrapServers,
      clicksTopic: topics.clicks,
      outputTopic: topics.enriched_clicks,
      checkpointInterval: "1 s",
      productsFromPostgres: { url: stackPostgres().jdbcUrl, tables: { products }, cacheExpiry: "2 s" },
    });
    const jobId = await submit(spec);
    const click = (id: string) => ({
      click_id: id,
      user_id: "u1",
      product_id: "p1",
      click_time: sqlTimestamp(Date.UTC(2024, 2, 1, 9)),
    });
    await produceJson(topics.clicks, [click("c1")]);
    await readSink(flink, topics.enriched_clicks, { jobId, done: (r) => r.length >= 1, settleMs: 0 });

    await pgQuery(`UPDATE "${products}" SET price = 12.50 WHERE product_id = 'p1'`);
    await new Promise((r) => setTimeout(r, 3_000)); // longer than the 2 s expire-after-write
    await produceJson(topics.clicks, [click("c2")]);
    const out = await readSink(flink, topics.enriched_clicks, { jobId, done: (r) => r.length >= 2 });
    const prices = Object.fromEntries(
      out.map((r) => {
        const v = r.value as { click_id: string; price: number };
        return [v.click_id, v.price];
      }),
    );
    expect(prices).toEqual({ c1: 10, c2: 12.5 });
  }, 180_000);
});
