/**
 * The two Flink sides of the pipeline bench, each running one job on the input and timing it:
 * (b) the job's compiled statements with Flink's default configuration (none of Sluice's
 * session defaults, `PERFORMANCE_DEFAULTS`) straight to the SQL Gateway, (c) the job through the Sluice API (in process, real compiler,
 * store and reconciler, real Flink).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, FlinkClientAdapter, loadConfig, sluiceCompiler } from "@sluice/api";
import { FlinkClient } from "@sluice/flink-client";
import type { JobSpec } from "@sluice/flink-jobs";
import {
  cancelJob,
  type JobTimes,
  jobTimes,
  type KafkaOutputs,
  type Output,
  waitTasksRunning,
} from "./measure.ts";

export interface Endpoints {
  restUrl: string;
  sqlGatewayUrl: string;
}

export interface FlinkRun {
  times: JobTimes;
  output: Output;
}

/**
 * How long the output must stay still, once the job has committed all its input, before it
 * counts as done (above the checkpoint interval: exactly-once output shows on the next one).
 */
const QUIET_MS = 7_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The spec's compiled statements: what a user would submit by hand (no session defaults). */
export function statementsOf(spec: JobSpec): string[] {
  const validated = sluiceCompiler.validate(spec);
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
  return sluiceCompiler.compile(validated.spec).statements.map((s) => s.sql);
}

/** The source's consumer group and topic: the first Kafka table's (the job's input). */
function sourceOf(statements: string[]): { groupId: string; topic: string } {
  const source = statements.find((sql) => sql.includes("'properties.group.id'")) ?? "";
  const option = (key: string) => new RegExp(`'${key.replace(/\./g, "\\.")}' = '([^']+)'`).exec(source)?.[1];
  const groupId = option("properties.group.id");
  const topic = option("topic");
  if (!groupId || !topic) throw new Error(`no Kafka source in ${statements.join("\n")}`);
  return { groupId, topic };
}

async function finish(
  rest: string,
  outputs: KafkaOutputs,
  jobId: string,
  statements: string[],
  topic: string,
): Promise<FlinkRun> {
  await waitTasksRunning(rest, jobId);
  const source = sourceOf(statements);
  await outputs.waitConsumed(source.groupId, source.topic, 900_000);
  await outputs.waitQuiet(topic, QUIET_MS, 600_000);
  const times = await jobTimes(rest, jobId);
  const output = await outputs.read(topic);
  return { times, output };
}

/** Side (b): the statements straight to the SQL Gateway (with `sets`: a variant, session options first). */
export async function viaGateway(
  endpoints: Endpoints,
  outputs: KafkaOutputs,
  spec: JobSpec,
  topic: string,
  sets: Record<string, string> = {},
): Promise<FlinkRun> {
  const client = new FlinkClient({ restUrl: endpoints.restUrl, sqlGatewayUrl: endpoints.sqlGatewayUrl });
  try {
    const statements = statementsOf(spec);
    const { jobId } = await client.gateway.executeStatementSet(statements, {
      sessionName: spec.name,
      sets,
    });
    try {
      return await finish(endpoints.restUrl, outputs, jobId, statements, topic);
    } finally {
      await cancelJob(endpoints.restUrl, jobId);
    }
  } finally {
    await client.close();
  }
}

/** Side (c): the Sluice API in process against the same Flink. */
export class ApiSide {
  private readonly app: Awaited<ReturnType<typeof buildApp>>;
  private readonly flink: FlinkClientAdapter;
  private readonly dir: string;
  private readonly rest: string;

  private constructor(
    app: Awaited<ReturnType<typeof buildApp>>,
    flink: FlinkClientAdapter,
    dir: string,
    rest: string,
  ) {
    this.app = app;
    this.flink = flink;
    this.dir = dir;
    this.rest = rest;
  }

  static async start(endpoints: Endpoints): Promise<ApiSide> {
    const dir = mkdtempSync(join(tmpdir(), "sluice-bench-pipeline-"));
    const config = loadConfig({
      SLUICE_API_AUTH: "none",
      SLUICE_FLINK_REST_URL: endpoints.restUrl,
      SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
      SLUICE_DB_PATH: join(dir, "sluice.db"),
      SLUICE_LOG_LEVEL: "silent",
    });
    const flink = new FlinkClientAdapter(endpoints);
    const app = await buildApp({ config, flink, compiler: sluiceCompiler });
    return new ApiSide(app, flink, dir, endpoints.restUrl);
  }

  async run(outputs: KafkaOutputs, spec: JobSpec, topic: string): Promise<FlinkRun> {
    const res = await this.app.inject({ method: "POST", url: "/v1/jobs", payload: spec });
    if (res.statusCode !== 202) throw new Error(`POST /v1/jobs answered ${res.statusCode}: ${res.body}`);
    let jobId: string | undefined;
    let statements: string[] = [];
    try {
      for (let i = 0; i < 1200 && jobId === undefined; i++) {
        const job = (await this.app.inject(`/v1/jobs/${spec.name}`)).json();
        if (job.state === "FAILED") throw new Error(`${spec.name} FAILED: ${job.reason}`);
        if (job.flinkJobId) jobId = job.flinkJobId as string;
        else await sleep(50);
        statements = (job.sql as Array<{ sql: string }>).map((s) => s.sql);
      }
      if (jobId === undefined) throw new Error(`${spec.name} got no Flink job`);
      return await finish(this.rest, outputs, jobId, statements, topic);
    } finally {
      await this.app.inject({ method: "DELETE", url: `/v1/jobs/${spec.name}?mode=cancel` });
      if (jobId) await cancelJob(this.rest, jobId);
    }
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.flink.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
