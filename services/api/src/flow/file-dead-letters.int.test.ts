import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tradeFiles } from "@sluice/flink-jobs/jobs";
import { consumeAll, createTopics, deleteTopics, stackEndpoints, uniqueName, waitFor } from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { loadConfig } from "../config.ts";
import { FlinkClientAdapter } from "../flink/adapter.ts";

/**
 * The dead letters of a FILE source are counted like a Kafka source's (issue 10 item 3, issue 14):
 * the trade-files flagship run through the API on the REAL stack, CSV files with malformed lines
 * dropped into its folder while it runs; the API's flow shows as many dead letters for table
 * `trades` as the dead-letter topic holds (read_committed), and NoDeadLetters turns False.
 * Flink names the file source `Source: trades__raw[n]`, so the flow reads it as `trades`, and its
 * dead-letter writer `trades__dead_letters[n]: Writer` (a Kafka sink; see `tables.ts`).
 *
 * Needs `sluice-csv` on the cluster's class path. Run:
 * npx vitest run --project integration services/api/src/flow/file-dead-letters.int.test.ts
 */
const endpoints = stackEndpoints();
const brokers = endpoints.kafkaBrokers.join(",");
const TOKEN = "integration-token-file-dead-letters";
const headers = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), "sluice-file-dlq-int-"));
const input = join(dir, "in");
const output = join(dir, "out");
const name = `trade-files-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
const dlq = uniqueName("trade_files_dlq");

let app: FastifyInstance;
let flink: FlinkClientAdapter;

type Source = { table: string; recordsRead: number; deadLettered: number };
type Job = {
  state: string;
  conditions: { type: string; status: string; message: string }[];
  flow: { sources: Source[]; sinks: { table: string; recordsWritten: number }[] } | null;
};

async function getJob(): Promise<Job> {
  const res = await app.inject({ url: `/v1/jobs/${name}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json() as Job;
}

/** Writes a file under a hidden name, then renames it: the source never sees half a file. */
function drop(file: string, lines: string[]): void {
  writeFileSync(join(input, `.${file}.tmp`), `${lines.join("\n")}\n`);
  renameSync(join(input, `.${file}.tmp`), join(input, file));
}

beforeAll(async () => {
  mkdirSync(input);
  mkdirSync(output);
  await createTopics([dlq]);
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
  });
  flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
  app = await buildApp({ config, flink, compiler: sluiceCompiler });
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
  await deleteTopics([dlq]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

it("counts a file source's dead letters in the job's flow, as many as the dead-letter topic holds", async () => {
  const spec = {
    ...tradeFiles({
      inputPath: pathToFileURL(input).href,
      outputPath: pathToFileURL(output).href,
      bootstrapServers: brokers,
      deadLetterTopic: dlq,
      checkpointInterval: "1 s",
    }),
    name,
  };
  const res = await app.inject({ method: "POST", url: "/v1/jobs", headers, payload: spec });
  expect(res.statusCode).toBe(202);
  await waitFor(async () => (await getJob()).state === "RUNNING", {
    timeout: 120_000,
    interval: 500,
    description: `${name} RUNNING`,
  });

  drop("trades-1.csv", ["2024-03-01 09:05:00,12.50,u1", "2024-03-01 09:06:00,twelve,u2", "", "x,y,z"]);
  const dead = await consumeAll(dlq, { expected: 3, timeoutMs: 90_000 });
  expect(dead).toHaveLength(3);

  let last: Job | undefined;
  const trades = await waitFor(
    async () => {
      last = await getJob();
      const source = last.flow?.sources.find((s) => s.table === "trades");
      return source !== undefined && source.deadLettered === dead.length ? source : undefined;
    },
    { timeout: 60_000, interval: 500, description: "3 dead letters of `trades` in the flow" },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last?.flow)}`);
  });
  expect(trades.recordsRead).toBe(4);
  // The hourly file sink (Flink's `StreamingFileWriter`) is counted too: its window is still open.
  expect(last?.flow?.sinks).toEqual([expect.objectContaining({ table: "trades_hourly", recordsWritten: 0 })]);
  const noDeadLetters = last?.conditions.find((c) => c.type === "NoDeadLetters");
  expect(noDeadLetters).toMatchObject({ status: "False" });
  expect(noDeadLetters?.message).toContain("trades 3");
}, 240_000);
