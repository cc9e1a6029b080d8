/**
 * `npm start`: runs the whole of Sluice on this machine and its main job, end to end.
 *
 * 1. the Flink + Kafka stack (the running one, or the native launcher starts it);
 * 2. an OpenAI-compatible model server (the built-in lexicon stand-in unless OPENAI_API_KEY is set);
 * 3. the API (`services/api`, a child process) with a bearer token generated for the session;
 * 4. the five flagship jobs, deployed THROUGH the API (created, or resumed from their savepoints);
 * 5. the enricher (`services/enricher`, a child process) running the review-themes task;
 * 6. traffic: the real NAB temperature series replayed as `sensor_data`, and seeded reviews,
 *    transactions, clicks and product updates;
 * 7. a live summary: jobs, anomalies, top themes, hourly totals, URLs.
 *
 * Ctrl-C stops every job with a savepoint through the API, then the enricher, the API, the model
 * server and (only if the demo started it) the stack. Run it again to resume from the savepoints.
 * Configuration: environment variables, see services/demo/README.md.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ModelServer, startModelServer } from "@sluice/model-server";
import { portIsFree, probeStack, stackDown, stackSettings, stackUp, tail } from "@sluice/stack";
import { SluiceApi, tasksRunning } from "./api.ts";
import { retainedCheckpointDir } from "./checkpoint-dir.ts";
import { type Child, startChild } from "./children.ts";
import { apiEnv, type DemoConfig, DemoConfigError, demoConfig, enricherEnv, repoRoot } from "./config.ts";
import { jobViews } from "./flow.ts";
import { demoTopics, flagshipJobs } from "./jobs.ts";
import { ensureTopics, kafkaClient, openOutbox, readResults } from "./kafka.ts";
import { ProgressPrinter } from "./progress.ts";
import { resultsDatabase } from "./results-db.ts";
import { Results, type SummaryInput } from "./summary.ts";
import { Traffic } from "./traffic.ts";

export const STAND_IN_MESSAGE =
  "no OPENAI_API_KEY: using the built-in lexicon stand-in model server, not a language model";

// kafkajs 2.2.4 schedules a negative timeout on Node 24; the warning about it is noise here.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name !== "TimeoutNegativeWarning") console.error(`${warning.name}: ${warning.message}`);
});

const began = Date.now();
const elapsedS = () => (Date.now() - began) / 1000;
let interactive = false;
const recent: string[] = [];

/** Progress and events: one line each, always (also under the live panel on a terminal). */
function say(line: string): void {
  const stamped = `[demo ${elapsedS().toFixed(1).padStart(6)}s] ${line}`;
  recent.push(stamped);
  if (recent.length > 6) recent.shift();
  process.stdout.write(`${stamped}\n`);
}

/** The end of a child's log, for an error message. */
async function logEnd(file: string): Promise<string> {
  return (await tail(file, 15)).trimEnd() || "(no log)";
}

/** What the demo started, so that shutdown stops exactly that. */
interface Started {
  stack: { settings: ReturnType<typeof stackSettings>; components: string[] } | undefined;
  modelServer: ModelServer | undefined;
  api: Child | undefined;
  apiClient: SluiceApi | undefined;
  enricher: Child | undefined;
  jobs: string[];
  traffic: Traffic | undefined;
  closers: (() => Promise<void>)[];
  refresh: NodeJS.Timeout | undefined;
}

const started: Started = {
  stack: undefined,
  modelServer: undefined,
  api: undefined,
  apiClient: undefined,
  enricher: undefined,
  jobs: [],
  traffic: undefined,
  closers: [],
  refresh: undefined,
};

async function startStack(config: DemoConfig): Promise<void> {
  const endpoints = {
    flinkRestUrl: config.stack.flinkRestUrl,
    sqlGatewayUrl: config.stack.sqlGatewayUrl,
    kafkaBrokers: config.stack.kafkaBrokers,
  };
  const probe = await probeStack(endpoints);
  if (probe.all) {
    say(
      `using the running stack: Flink ${endpoints.flinkRestUrl}, Kafka ${endpoints.kafkaBrokers.join(",")} (left running at exit)`,
    );
    return;
  }
  if (config.stackExplicit) {
    throw new Error(
      `the stack given by SLUICE_FLINK_REST_URL / SLUICE_SQL_GATEWAY_URL / SLUICE_KAFKA_BROKERS does not answer: ${JSON.stringify(probe)}`,
    );
  }
  const settings = stackSettings();
  say(
    `no running stack answers; starting Flink and Kafka in ${settings.stateDir} (the first time downloads them from Maven Central)`,
  );
  const result = await stackUp(settings, (line) => say(`stack: ${line}`));
  started.stack = { settings, components: result.started };
}

async function startApi(config: DemoConfig): Promise<SluiceApi> {
  if (!(await portIsFree(config.api.host, config.api.port))) {
    throw new Error(
      `port ${config.api.port} is in use (another Sluice API or demo?); stop it or set SLUICE_API_PORT`,
    );
  }
  mkdirSync(join(config.stateDir, "api"), { recursive: true });
  const logFile = join(config.logDir, "api.log");
  const api = startChild(
    "api",
    join(repoRoot, "services/api/src/server.ts"),
    apiEnv(config, await retainedCheckpointDir(config.stack.flinkRestUrl)),
    logFile,
    repoRoot,
  );
  started.api = api;
  const client = new SluiceApi(config.api.url, config.token);
  started.apiClient = client;
  const deadline = Date.now() + 60_000;
  while (!(await client.healthy())) {
    if (!api.running())
      throw new Error(`the API exited (${await api.exited}); its log ${logFile}:\n${await logEnd(logFile)}`);
    if (Date.now() > deadline)
      throw new Error(`the API did not answer within 60 s; its log ${logFile}:\n${await logEnd(logFile)}`);
    await sleep(300);
  }
  say(`API listening on ${config.api.url} (pid ${api.pid}, job store ${config.dbPath}, log ${logFile})`);
  return client;
}

function startEnricher(
  config: DemoConfig,
  task: Record<string, unknown>,
  modelUrl: string | undefined,
): Child {
  const logFile = join(config.logDir, "enricher.log");
  const enricher = startChild(
    "enricher",
    join(repoRoot, "services/enricher/src/main.ts"),
    enricherEnv(config, task, modelUrl),
    logFile,
    repoRoot,
  );
  started.enricher = enricher;
  say(`enricher started (pid ${enricher.pid}, task ${String(task.id)}, log ${logFile})`);
  return enricher;
}

async function main(): Promise<void> {
  let config: DemoConfig;
  try {
    config = demoConfig();
  } catch (error) {
    console.error(error instanceof DemoConfigError || error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  interactive = Boolean(process.stdout.isTTY) && !config.plain;
  mkdirSync(config.logDir, { recursive: true });
  // The session's token goes to a file only the user can read, never to the terminal or logs.
  const tokenFile = join(config.stateDir, "api-token");
  writeFileSync(tokenFile, `${config.token}\n`, { mode: 0o600 });
  say(`Sluice demo; state folder ${config.stateDir}`);

  await startStack(config);

  let modelUrl: string | undefined;
  if (config.openai === undefined) {
    say(STAND_IN_MESSAGE);
    started.modelServer = await startModelServer({ port: config.modelServerPort, log: () => {} });
    modelUrl = started.modelServer.url;
    say(`model server listening on ${modelUrl}`);
  } else {
    say(`OPENAI_API_KEY is set: the enricher calls ${config.openai.baseUrl ?? "https://api.openai.com/v1"}`);
  }

  const topics = demoTopics(config.suffix);
  const kafka = kafkaClient(config.stack.kafkaBrokers);
  const results = new Results(topics);
  await ensureTopics(kafka, [...new Set([...Object.values(topics), ...results.topics])]);
  say(`Kafka topics ready (${Object.values(topics).length + 1})`);

  const api = await startApi(config);

  const postgres = await resultsDatabase(say);
  const specs = flagshipJobs({
    suffix: config.suffix,
    bootstrapServers: config.stack.kafkaBrokers.join(","),
    threshold: config.threshold,
    postgres,
  });
  for (const spec of specs) {
    const outcome = await api.deploy(spec);
    started.jobs.push(spec.name);
    say(`job ${spec.name}: ${outcome}`);
  }

  const tasks = await api.enrichmentTasks();
  const themesJob = specs.find((s) => s.name.startsWith("review-themes"))?.name;
  const task = tasks.find((t) => t.job === themesJob)?.task;
  if (!task) throw new Error(`the API lists no enrichment task for ${themesJob}`);
  startEnricher(config, task, modelUrl);

  const outbox = await openOutbox(kafka);
  started.closers.push(() => outbox.close());
  const traffic = new Traffic(outbox, {
    topics,
    rates: config.rates,
    timeScale: config.timeScale,
    seed: config.seed,
    positionFile: join(config.stateDir, "traffic.json"),
  });
  started.traffic = traffic;
  await traffic.start();
  say(
    `traffic: NAB temperature series at ${config.rates.sensorPerSecond} readings/s from ${traffic.sensorTime} (run ${traffic.position.run}), ` +
      `${config.rates.reviewsPerSecond} reviews/s, ${config.rates.transactionsPerSecond} transactions/s, ${config.rates.clicksPerSecond} clicks/s`,
  );

  const reader = await readResults(kafka, results.topics, (record) => results.add(record));
  started.closers.push(() => reader.close());

  say(`waiting for the jobs to run (at most ${Math.round(config.jobTimeoutMs / 1000)} s)...`);
  await Promise.all(
    started.jobs.map(async (name) => {
      const job = await api.waitFor(name, (j) => j.state === "RUNNING", config.jobTimeoutMs, "RUNNING");
      say(`job ${name}: RUNNING (Flink job ${job.flinkJobId})`);
    }),
  );

  const urls = {
    swagger: `${config.api.url}/docs`,
    flink: config.stack.flinkRestUrl,
    api: config.api.url,
  };
  say(`ready: swagger=${urls.swagger} flink=${urls.flink} api=${urls.api} token-file=${tokenFile}`);
  say(`pids: demo=${process.pid} api=${started.api?.pid} enricher=${started.enricher?.pid}`);

  const progress = new ProgressPrinter(interactive);
  const refresh = async () => {
    let jobs: SummaryInput["jobs"];
    try {
      jobs = await jobViews(api, await api.listJobs(), started.jobs);
    } catch (error) {
      jobs = { error: error instanceof Error ? error.message : String(error) };
    }
    progress.print(
      {
        elapsedS: elapsedS(),
        jobs,
        results,
        sent: traffic.counts,
        sensorTime: traffic.sensorTime,
        businessTime: traffic.businessTime,
        trafficError: traffic.error?.message,
        urls,
        standIn: config.openai === undefined,
      },
      recent,
    );
  };
  const tick = () => {
    refresh()
      .catch((error: unknown) => say(`summary failed: ${String(error)}`))
      .finally(() => {
        if (!shuttingDown) started.refresh = setTimeout(tick, config.refreshMs);
      });
  };
  tick();

  for (const child of [started.api, started.enricher]) {
    void child?.exited.then(async (outcome) => {
      if (shuttingDown) return;
      say(
        `${child.name} exited unexpectedly (${outcome}); its log ${child.logFile}:\n${await logEnd(child.logFile)}`,
      );
      void shutdown(1);
    });
  }
}

let shuttingDown = false;
let exitCode = 0;

/** Stops everything the demo started, jobs first (with savepoints, through the API). */
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  exitCode = code;
  if (started.refresh) clearTimeout(started.refresh);
  const config = (() => {
    try {
      return demoConfig();
    } catch {
      return undefined;
    }
  })();
  const timeoutMs = config?.jobTimeoutMs ?? 180_000;

  if (started.traffic) {
    await started.traffic
      .stop()
      .catch((error: unknown) => say(`saving the replay position failed: ${String(error)}`));
    say(`traffic stopped; replay position saved (next run continues at ${started.traffic.sensorTime})`);
  }

  const api = started.apiClient;
  if (api && started.api?.running() && started.jobs.length > 0) {
    say(`stopping ${started.jobs.length} jobs with savepoints through the API...`);
    let failures = 0;
    await Promise.all(
      started.jobs.map(async (name) => {
        try {
          const before = await api.getJob(name).catch(() => undefined);
          if (before?.flinkJobId && config) await tasksRunning(config.stack.flinkRestUrl, before.flinkJobId);
          await api.stop(name);
          const job = await api.waitFor(name, (j) => j.state === "STOPPED", timeoutMs, "STOPPED");
          const savepoint = job.savepoints?.[0];
          say(`stopped: ${name} savepoint=${savepoint?.path ?? "none"}`);
        } catch (error) {
          failures += 1;
          say(`stop failed: ${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    if (failures > 0) exitCode = exitCode || 1;
  }

  for (const child of [started.enricher, started.api]) {
    if (!child) continue;
    const outcome = await child.stop();
    say(`${child.name} stopped (${outcome})`);
  }
  for (const close of started.closers.reverse()) await close().catch(() => {});
  if (started.modelServer) {
    await started.modelServer.close().catch(() => {});
    say("model server stopped");
  }
  if (started.stack && started.stack.components.length > 0) {
    say(`stopping the stack components the demo started: ${started.stack.components.join(", ")}`);
    await stackDown(started.stack.settings, (line) => say(`stack: ${line}`), started.stack.components);
  }
  say(`bye: everything the demo started is stopped (exit ${exitCode})`);
  process.exit(exitCode);
}

let interrupts = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts === 1) {
      say(`${signal} received: stopping (press Ctrl-C again to kill everything without savepoints)`);
      void shutdown(0);
      return;
    }
    say("second interrupt: killing the child processes without savepoints");
    for (const child of [started.enricher, started.api])
      if (child?.running()) process.kill(child.pid, "SIGKILL");
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
