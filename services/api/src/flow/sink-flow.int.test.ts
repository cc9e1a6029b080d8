import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createTopics,
  deleteTopics,
  dropPgTables,
  pgQuery,
  produceJson,
  stackEndpoints,
  stackPostgres,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { alertsSpec } from "../../test/flow-spec.ts";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * Records written by JDBC and filesystem sinks, on the REAL stack (issue 10 item 1, issue 14):
 * one job reads readings from Kafka and writes those above 100 to a PostgreSQL upsert table and
 * to CSV part files. The flow counts as many records written to each as PostgreSQL holds rows and
 * the committed files hold lines, and DataFlowing is True; then input that the filter drops
 * entirely turns it False (NoOutput). Flink names these sinks `Sink: <table>[n]` (inside a forked
 * chain) and `StreamingFileWriter` (no table; see `file-sinks.ts`).
 *
 * Run: npx vitest run --project integration services/api/src/flow/sink-flow.int.test.ts
 */
const endpoints = stackEndpoints();
const brokers = endpoints.kafkaBrokers.join(",");
const TOKEN = "integration-token-sink-flow";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-sink-flow-int-"));
const output = join(dir, "out");
const name = `sink-flow-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
const input = uniqueName("sink_flow_in");
const pgTable = uniqueName("flow_hot").toLowerCase();
const NO_OUTPUT_MS = 4_000;

let app: FastifyInstance;
let flink: FlinkClientAdapter;

type Condition = { type: string; status: string; reason: string; message: string };
type Job = {
  state: string;
  conditions: Condition[];
  flow: { sinks: Array<{ table: string; recordsWritten: number; lastWriteAt: string | null }> } | null;
};

async function getJob(): Promise<Job> {
  const res = await app.inject({ url: `/v1/jobs/${name}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json() as Job;
}

/** Waits until `check` passes on the job, saying what was seen last when it never does. */
async function waitJob<T>(
  description: string,
  check: (job: Job) => T | undefined,
  timeout = 60_000,
): Promise<T> {
  let last: Job | undefined;
  return waitFor(
    async () => {
      last = await getJob();
      return check(last);
    },
    { timeout, interval: 250, description },
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}; last seen: ${JSON.stringify({ flow: last?.flow, conditions: last?.conditions })}`,
    );
  });
}

/** Lines of the committed part files (in-progress files are hidden: `.part-...`). */
function committedLines(): string[] {
  const files = readdirSync(output, { recursive: true, withFileTypes: true }).filter(
    (f) => f.isFile() && !f.name.startsWith("."),
  );
  return files.flatMap((f) =>
    readFileSync(join(f.parentPath, f.name), "utf8")
      .split("\n")
      .filter((l) => l.length > 0),
  );
}

function spec() {
  const base = alertsSpec(name, { input, output: "unused" }, brokers);
  const readings = base.tables[0];
  const columns = readings?.columns ?? [];
  const pg = stackPostgres();
  const query = base.inserts[0]?.query;
  return {
    ...base,
    config: { "execution.checkpointing.interval": "1 s" },
    tables: [
      readings,
      {
        name: "hot_pg",
        columns,
        primaryKey: ["device_id"],
        connector: {
          kind: "jdbc",
          url: pg.jdbcUrl,
          tableName: pgTable,
          username: pg.user,
          password: { secret: "POSTGRES_PASSWORD" },
          sinkBuffer: { maxRows: 1, interval: "200 ms" },
        },
      },
      {
        name: "hot_files",
        columns,
        connector: { kind: "filesystem", path: pathToFileURL(output).href, format: { kind: "csv" } },
      },
    ],
    inserts: [
      { into: "hot_pg", query },
      { into: "hot_files", query },
    ],
  };
}

beforeAll(async () => {
  await createTopics([input]);
  await pgQuery(
    `CREATE TABLE "${pgTable}" (device_id TEXT PRIMARY KEY, temperature DOUBLE PRECISION NOT NULL)`,
  );
  const config = loadConfig({
    SLUICE_API_TOKENS: TOKEN,
    SLUICE_API_READ_AUTH: "false",
    SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: brokers,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: "500",
    SLUICE_RESTART_LIMIT: "0",
    SLUICE_FLOW_INTERVAL_MS: "1000",
    SLUICE_FLOW_NO_OUTPUT_MS: String(NO_OUTPUT_MS),
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  const env = { SLUICE_SECRET_POSTGRES_PASSWORD: stackPostgres().password };
  app = await buildApp({ config, flink, compiler: sluiceCompiler, env });
  await app.ready();
});

afterAll(async () => {
  const jobs = await flink?.listJobs().catch(() => []);
  for (const j of jobs ?? []) {
    if (j.name.startsWith(`sluice/${name}/`) && !["FINISHED", "CANCELED", "FAILED"].includes(j.state))
      await flink.cancel(j.id).catch(() => undefined);
  }
  await app?.close();
  await flink?.close();
  await deleteTopics([input, `${input}.dlq`]).catch(() => undefined);
  await dropPgTables([pgTable]);
  rmSync(dir, { recursive: true, force: true });
});

const readings = (n: number, temperature: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ device_id: `sensor-${from + i}`, temperature }));

it("counts the records written to a PostgreSQL upsert table and to CSV files; DataFlowing True, then False when the filter drops everything", async () => {
  const res = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec() });
  expect(res.statusCode, res.body).toBe(202);
  await waitJob("RUNNING", (job) => (job.state === "RUNNING" ? job : undefined), 120_000);

  await produceJson(input, [...readings(8, 120), ...readings(4, 20, 100)]);
  const rows = await waitFor(
    async () => {
      const [row] = await pgQuery<{ n: string }>(`SELECT count(*) AS n FROM "${pgTable}"`);
      return Number(row?.n) === 8 && committedLines().length === 8 ? 8 : undefined;
    },
    { timeout: 60_000, interval: 500, description: "8 rows in PostgreSQL and 8 committed lines" },
  );
  const sinks = await waitJob("both sinks counted", (job) => {
    const written = Object.fromEntries((job.flow?.sinks ?? []).map((s) => [s.table, s.recordsWritten]));
    return written.hot_pg === rows && written.hot_files === rows ? job.flow?.sinks : undefined;
  });
  expect(sinks?.every((s) => s.lastWriteAt !== null)).toBe(true);
  const flowing = await waitJob("DataFlowing True", (job) =>
    job.conditions.find((c) => c.type === "DataFlowing" && c.status === "True"),
  );
  expect(flowing.reason).toBe("Writing");

  // Input keeps arriving, all of it below the filter: nothing is written for NO_OUTPUT_MS.
  let running = true;
  const producing = (async () => {
    for (let i = 0; running; i++) {
      await produceJson(input, readings(10, 20, 1_000 + i * 10));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    const stopped = await waitJob(
      "DataFlowing False",
      (job) => job.conditions.find((c) => c.type === "DataFlowing" && c.status === "False"),
      30_000,
    );
    expect(stopped.reason).toBe("NoOutput");
    expect(stopped.message).toMatch(/none written to (hot_pg, hot_files|hot_files, hot_pg)$/);
  } finally {
    running = false;
    await producing;
  }
}, 240_000);
