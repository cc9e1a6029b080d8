/**
 * The JVM functions of `flink-jobs/functions` on the REAL Flink 2.2 stack, spoken to through the
 * SQL Gateway REST API v4 and the Flink REST API with plain `fetch`: the jar is registered with
 * `CREATE TEMPORARY FUNCTION ... USING JAR`, the queries are OVER windows over `datagen`
 * sequences, and what comes back is compared with the update rule computed here in TypeScript.
 *
 * Run: npx vitest run --project integration flink-jobs/functions/functions.int.test.ts
 * (builds the jar with `mvn -q package -DskipTests` first when it is missing).
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { consumeAll, createTopic, deleteTopics, stackEndpoints, uniqueName } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const moduleDir = import.meta.dirname;
const jar = join(moduleDir, "target", "sluice-flink-functions.jar");
const { flinkRestUrl, sqlGatewayUrl, kafkaBrokers } = stackEndpoints();

const FUNCTIONS = {
  LINREG: "dev.sluice.functions.learn.OnlineLinearRegression",
  LOGREG: "dev.sluice.functions.learn.OnlineLogisticRegression",
  EWMA_Z: "dev.sluice.functions.detect.EwmaZScore",
  ROBUST_Z: "dev.sluice.functions.detect.RobustZScore",
  AR_FORECAST: "dev.sluice.functions.detect.ArForecaster",
} as const;

// ---------------------------------------------------------------------------
// A minimal SQL Gateway v4 client (sessions, statements, paged results).

type Json = Record<string, unknown>;

async function call(url: string, method: string, body?: Json): Promise<Json> {
  const init: RequestInit = { method, headers: { "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(url, init);
  const json = (await response.json()) as Json;
  if (!response.ok) {
    // The gateway's errors carry whole stack traces: keep the exception lines, drop the frames.
    const lines = ((json.errors as string[] | undefined) ?? [JSON.stringify(json)])
      .flatMap((e) => e.split("\n"))
      .filter((line) => !/^\s+at |^\s*\.\.\. \d+ more/.test(line));
    throw new Error(`${method} ${url}: ${lines.join("\n")}`);
  }
  return json;
}

const sessions: string[] = [];

async function openSession(properties: Record<string, string> = {}): Promise<string> {
  const opened = await call(`${sqlGatewayUrl}/v4/sessions`, "POST", {
    sessionName: uniqueName("functions"),
    properties: { "parallelism.default": "1", ...properties },
  });
  const handle = String(opened.sessionHandle);
  sessions.push(handle);
  return handle;
}

interface Results {
  rows: unknown[][];
  jobId: string | undefined;
}

/** Runs one statement; reads its result pages until EOS or until `enough` rows arrived. */
async function run(session: string, statement: string, enough = Number.POSITIVE_INFINITY): Promise<Results> {
  const base = `${sqlGatewayUrl}/v4/sessions/${session}`;
  const op = await call(`${base}/statements`, "POST", { statement });
  let uri: string | undefined =
    `/v4/sessions/${session}/operations/${op.operationHandle}/result/0?rowFormat=JSON`;
  const rows: unknown[][] = [];
  let jobId: string | undefined;
  const deadline = Date.now() + 120_000;
  while (uri !== undefined && rows.length < enough && Date.now() < deadline) {
    const page = await call(`${sqlGatewayUrl}${uri}`, "GET");
    jobId ??= page.jobID as string | undefined;
    const data = ((page.results as Json | undefined)?.data ?? []) as { fields: unknown[] }[];
    rows.push(...data.map((d) => d.fields));
    uri = page.resultType === "EOS" ? undefined : (page.nextResultUri as string | undefined);
    if (data.length === 0) await new Promise((r) => setTimeout(r, 300));
  }
  return { rows, jobId };
}

async function registerFunctions(session: string): Promise<void> {
  for (const [name, className] of Object.entries(FUNCTIONS)) {
    await run(
      session,
      `CREATE TEMPORARY FUNCTION ${name} AS '${className}' LANGUAGE JAVA USING JAR '${jar}'`,
    );
  }
}

/**
 * A `datagen` sequence i = 1..end, `rate` rows per second, with a processing-time column. Keep
 * `end` small: the sequence generator holds its whole range in the TaskManager's heap from the
 * start (an end of 1e9 ran a shared TaskManager out of memory).
 */
function sequenceTable(name: string, rate: number, end: number): string {
  if (end > 100_000) throw new Error(`sequence end ${end} would fill the TaskManager's heap`);
  return `CREATE TEMPORARY TABLE ${name} (i BIGINT, ts AS PROCTIME()) WITH (
    'connector' = 'datagen', 'rows-per-second' = '${rate}',
    'fields.i.kind' = 'sequence', 'fields.i.start' = '1', 'fields.i.end' = '${end}')`;
}

async function stopWithSavepoint(jobId: string): Promise<string> {
  const trigger = await call(`${flinkRestUrl}/jobs/${jobId}/stop`, "POST", { drain: false });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await call(`${flinkRestUrl}/jobs/${jobId}/savepoints/${trigger["request-id"]}`, "GET");
    const operation = status.operation as Json | null;
    if ((status.status as Json).id === "COMPLETED" && operation !== null) {
      if (typeof operation.location !== "string")
        throw new Error(`savepoint failed: ${JSON.stringify(operation)}`);
      return operation.location;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no savepoint for job ${jobId} within 60 s`);
}

/** Waits until every task of the job runs (the shared cluster may need a while to find slots). */
async function waitRunning(jobId: string): Promise<void> {
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const job = await call(`${flinkRestUrl}/jobs/${jobId}`, "GET");
    const vertices = job.vertices as { status: string }[];
    if (job.state === "RUNNING" && vertices.every((v) => v.status === "RUNNING")) return;
    if (["FAILED", "CANCELED", "FINISHED"].includes(String(job.state))) {
      const { exceptionHistory } = await call(`${flinkRestUrl}/jobs/${jobId}/exceptions`, "GET");
      const newest = (exceptionHistory as { entries: { stacktrace: string }[] }).entries[0];
      throw new Error(`job ${jobId} is ${job.state}: ${newest?.stacktrace.split("\n")[0]}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`job ${jobId} did not run all its tasks within 150 s`);
}

const jobs: string[] = [];
const topics: string[] = [];

beforeAll(() => {
  if (!existsSync(jar)) {
    execFileSync("mvn", ["-q", "-f", join(moduleDir, "pom.xml"), "package", "-DskipTests"], {
      stdio: "inherit",
    });
  }
});

/** Cancels a job and waits until Flink reports it stopped (never throws: it is cleanup). */
async function cancel(jobId: string): Promise<void> {
  await fetch(`${flinkRestUrl}/jobs/${jobId}?mode=cancel`, { method: "PATCH" }).catch(() => undefined);
  for (let tries = 0; tries < 60; tries++) {
    const job = (await call(`${flinkRestUrl}/jobs/${jobId}`, "GET").catch(() => ({ state: "GONE" }))) as Json;
    if (["CANCELED", "FINISHED", "FAILED", "GONE"].includes(String(job.state))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

afterAll(async () => {
  for (const job of jobs) await cancel(job);
  for (const session of sessions)
    await fetch(`${sqlGatewayUrl}/v4/sessions/${session}`, { method: "DELETE" });
  // After the jobs stopped: a running Kafka sink would have the broker create the topic again.
  await deleteTopics(topics);
});

// ---------------------------------------------------------------------------

describe("Sluice's Flink functions on the real cluster", () => {
  it("predict before learning, skip NULL features, and match the SGD rule computed here", async () => {
    const session = await openSession();
    await registerFunctions(session);
    await run(session, sequenceTable("seq", 200, 60));
    // x = i mod 7, y = 3x + 1; every 10th row has a NULL feature.
    const { rows } = await run(
      session,
      `SELECT i,
         LINREG(3.0 * MOD(i, 7) + 1, 'eta0=0.01, coefficients=true',
           CASE WHEN MOD(i, 10) = 0 THEN CAST(NULL AS DOUBLE) ELSE CAST(MOD(i, 7) AS DOUBLE) END) OVER w,
         LOGREG(CASE WHEN MOD(i, 7) > 3 THEN 1.0 ELSE 0.0 END, 'standardize=true', CAST(MOD(i, 7) AS DOUBLE)) OVER w,
         EWMA_Z(CAST(MOD(i, 7) AS DOUBLE), 'alpha=0.2') OVER w,
         ROBUST_Z(CAST(MOD(i, 7) AS DOUBLE), 'window=20') OVER w,
         AR_FORECAST(CAST(MOD(i, 7) AS DOUBLE), 'order=7') OVER w
       FROM seq WINDOW w AS (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
    );
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));

    // The rule, independently: ŷ = b + w·x; g = 2(ŷ − y); w −= 0.01·g·x; b −= 0.01·g.
    let w = 0;
    let b = 0;
    for (const [i, model] of rows as [
      number,
      { prediction: number | null; weights: number[]; updates: number },
    ][]) {
      const x = i % 7;
      if (i % 10 === 0) {
        expect(model.prediction).toBeNull();
        continue;
      }
      expect(model.prediction).toBeCloseTo(b + w * x, 9);
      const g = 2 * (b + w * x - (3 * x + 1));
      w -= 0.01 * g * x;
      b -= 0.01 * g;
      expect(model.weights[0]).toBeCloseTo(w, 9);
    }
    expect(rows.at(-1)?.[1]).toMatchObject({ updates: 54, skipped: 6 });
    for (const column of [2, 3, 4, 5]) expect(rows.at(-1)?.[column]).toMatchObject({ skipped: 0 });
    expect(rows.at(-1)?.[3]).toMatchObject({ n: 60 });
  });

  it("are refused in a bounded OVER window at planning time (a model cannot un-learn a row)", async () => {
    const session = await openSession();
    await registerFunctions(session);
    await run(session, sequenceTable("seq", 10, 10));
    await expect(
      run(
        session,
        "SELECT EWMA_Z(CAST(i AS DOUBLE), '') OVER (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) FROM seq",
      ),
    ).rejects.toThrow(/Could not find an implementation method 'retract'/);
  });

  it("keep the model in Flink state: stop with a savepoint, start from it, the model continues", async () => {
    const topic = uniqueName("functions_model");
    await createTopic(topic);
    topics.push(topic);
    const job = async (properties: Record<string, string>): Promise<string> => {
      const session = await openSession(properties);
      await registerFunctions(session);
      await run(session, sequenceTable("seq", 20, 20_000));
      await run(
        session,
        `CREATE TEMPORARY TABLE model_out (i BIGINT, w DOUBLE, b DOUBLE, updates BIGINT) WITH (
          'connector' = 'kafka', 'topic' = '${topic}', 'format' = 'json',
          'properties.bootstrap.servers' = '${kafkaBrokers.join(",")}')`,
      );
      const { jobId } = await run(
        session,
        `INSERT INTO model_out SELECT i, m.weights[1], m.intercept, m.updates FROM (
           SELECT i, LINREG(3.0 * MOD(i, 7) + 1, 'eta0=0.01, coefficients=true', CAST(MOD(i, 7) AS DOUBLE))
             OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS m FROM seq)`,
        1,
      );
      if (jobId === undefined) throw new Error("INSERT returned no job id");
      jobs.push(jobId);
      await waitRunning(jobId);
      return jobId;
    };
    type Out = { i: number; w: number; b: number; updates: number };
    // One partition: the topic's order is the order the jobs wrote in.
    const read = async (): Promise<Out[]> =>
      (await consumeAll(topic, { idleMs: 3_000 })).map((r) => r.value as Out);

    const first = await job({});
    // Let the model learn a few dozen rows (they reach Kafka at each checkpoint), then stop it.
    await consumeAll(topic, { expected: 40, timeoutMs: 60_000 });
    const savepoint = await stopWithSavepoint(first);
    const before = await read();
    expect(before.map((o) => o.i)).toEqual(before.map((_, k) => k + 1));
    for (const o of before) expect(o.updates).toBe(o.i);
    const last = before.at(-1) as Out;

    await job({ "execution.state-recovery.path": savepoint });
    await consumeAll(topic, { expected: before.length + 40, timeoutMs: 60_000 });
    const after = (await read()).slice(before.length);
    // The second job's first row is the one after the savepoint, and its model had learned every
    // row since the very first: started afresh, it would write i = 1, updates = 1 again.
    expect(after[0]?.i).toBe(last.i + 1);
    for (const o of after) expect(o.updates).toBe(o.i);
    expect(Math.abs((after[0]?.w ?? 0) - last.w)).toBeLessThan(0.05);
    console.log(
      `model before the savepoint: ${JSON.stringify(last)}; first row after: ${JSON.stringify(after[0])}`,
    );
  }, 480_000);
});
