import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureJars, flinkJars, kafkaJars } from "./artifacts.ts";
import { type FlinkProcess, flinkDirs, flinkJavaArgs, log4jProperties, renderFlinkConfig } from "./flink.ts";
import { ensureFunctionsJar } from "./functions.ts";
import {
  kafkaDirs,
  kafkaFormatArgs,
  kafkaLog4jProperties,
  kafkaServerArgs,
  renderServerProperties,
} from "./kafka.ts";
import { startPostgres, stopPostgres } from "./postgres.ts";
import {
  identityFlags,
  isAlive,
  type ManagedProcess,
  portIsFree,
  runningPid,
  runToCompletion,
  signalProcess,
  startDetached,
  stopProcess,
  tail,
} from "./processes.ts";
import { flinkRestReady, kafkaReady, sqlGatewayReady, taskManagerReady } from "./readiness.ts";
import { endpointsOf, type StackEndpoints, type StackSettings } from "./settings.ts";
import { javaMajor, versions } from "./versions.ts";

/** The stack's processes, in start order. */
export const components = ["kafka", "jobmanager", "taskmanager", "sql-gateway"] as const;
export type Component = (typeof components)[number];

export type Log = (line: string) => void;

export class StackError extends Error {
  override name = "StackError";
}

interface ComponentSpec {
  /** Ports the component listens on (name shown to the user, port). */
  ports: (s: StackSettings) => [string, number][];
  ready: (e: StackEndpoints) => Promise<boolean>;
}

const specs: Record<Component, ComponentSpec> = {
  kafka: {
    ports: (s) => [
      ["Kafka broker", s.ports.kafka],
      ["Kafka controller", s.ports.kafkaController],
    ],
    ready: (e) => kafkaReady(e.kafkaBrokers),
  },
  jobmanager: {
    ports: (s) => [
      ["Flink REST", s.ports.flinkRest],
      ["Flink JobManager RPC", s.ports.flinkRpc],
    ],
    ready: (e) => flinkRestReady(e.flinkRestUrl),
  },
  taskmanager: {
    ports: () => [],
    ready: (e) => taskManagerReady(e.flinkRestUrl),
  },
  "sql-gateway": {
    ports: (s) => [["Flink SQL Gateway", s.ports.sqlGateway]],
    ready: (e) => sqlGatewayReady(e.sqlGatewayUrl),
  },
};

function managed(settings: StackSettings, name: Component): ManagedProcess {
  return { name, pidFile: join(settings.stateDir, "run", `${name}.pid`), stateDir: settings.stateDir };
}

export function logFile(settings: StackSettings, name: Component): string {
  return join(settings.stateDir, "logs", `${name}.log`);
}

function outFile(settings: StackSettings, name: Component): string {
  return join(settings.stateDir, "logs", `${name}.out`);
}

export interface ComponentStatus {
  name: Component;
  pid: number | undefined;
  ports: [string, number][];
  ready: boolean;
}

/** Each component: its pid (when our process runs) and whether its endpoint answers. */
export async function stackStatus(settings: StackSettings): Promise<ComponentStatus[]> {
  const endpoints = endpointsOf(settings);
  return Promise.all(
    components.map(async (name) => ({
      name,
      pid: await runningPid(managed(settings, name)),
      ports: specs[name].ports(settings),
      ready: await specs[name].ready(endpoints),
    })),
  );
}

export interface UpResult {
  endpoints: StackEndpoints;
  /** Components this call started (the others were already running). */
  started: Component[];
}

/**
 * Starts whatever part of the stack is not running and waits until all of it is
 * ready. Idempotent: running components are left alone.
 *
 * @example
 *   const { endpoints, started } = await stackUp(stackSettings(), console.log);
 */
export async function stackUp(
  settings: StackSettings,
  log: Log,
  readyTimeoutMs = 240_000,
): Promise<UpResult> {
  const release = await acquireUpLock(settings, log, readyTimeoutMs + 300_000);
  try {
    return await upLocked(settings, log, readyTimeoutMs);
  } finally {
    await release();
  }
}

/**
 * One `up` at a time per state dir (two test runs starting together must not
 * both launch a JobManager): an exclusive lock file holding the owner's pid,
 * taken over when that pid is dead.
 */
async function acquireUpLock(
  settings: StackSettings,
  log: Log,
  timeoutMs: number,
): Promise<() => Promise<void>> {
  const file = join(settings.stateDir, "run", "up.lock");
  await mkdir(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StackError(`another "stack up" (pid ${owner}) holds ${file}`);
    if (!announced) log(`another "stack up" (pid ${owner}) is starting this stack; waiting for it`);
    announced = true;
    await sleep(1_000);
  }
}

/** The functions jar the compiled jobs register; the stack runs without it, so a failure only warns. */
function functionsJarFor(log: Log): void {
  try {
    log(`Flink functions jar: ${ensureFunctionsJar(log)}`);
  } catch (error) {
    log(`warning: ${(error as Error).message}; jobs with models will not start`);
  }
}

async function upLocked(settings: StackSettings, log: Log, readyTimeoutMs: number): Promise<UpResult> {
  const began = Date.now();
  const endpoints = endpointsOf(settings);
  const running = new Map<Component, number>();
  for (const name of components) {
    const pid = await runningPid(managed(settings, name));
    if (pid !== undefined) running.set(name, pid);
  }
  const missing = components.filter((c) => !running.has(c));
  functionsJarFor(log);
  for (const [name, pid] of running) log(`${name} already running (pid ${pid})`);
  if (missing.length === 0) {
    await waitReady(settings, components, endpoints, log, readyTimeoutMs);
    await startPostgres(settings, log);
    log(`stack is up (${elapsed(began)})`);
    return { endpoints, started: [] };
  }

  // Refuse to start next to a foreign process that holds one of our ports.
  const busy: string[] = [];
  for (const name of missing) {
    for (const [what, port] of specs[name].ports(settings)) {
      if (!(await portIsFree(settings.host, port))) busy.push(`port ${port} (${what}, for ${name})`);
    }
  }
  if (busy.length > 0) {
    throw new StackError(
      `cannot start: ${busy.join(", ")} ${busy.length > 1 ? "are" : "is"} in use by processes that this ` +
        `stack (state dir ${settings.stateDir}) did not start. Stop them, or move this stack with the SLUICE_*_PORT variables.`,
    );
  }
  await checkJava(settings);

  const [flinkLib, kafkaLib] = [
    await ensureJars(flinkJars, settings, log),
    await ensureJars(kafkaJars, settings, log),
  ];
  await prepareDirs(settings);

  const started: Component[] = [];
  try {
    for (const name of missing) {
      const pid = await startComponent(settings, name, flinkLib, kafkaLib, log);
      started.push(name);
      log(`started ${name} (pid ${pid}), log ${logFile(settings, name)}`);
    }
    await waitReady(settings, components, endpoints, log, readyTimeoutMs);
    await startPostgres(settings, log);
  } catch (err) {
    if (started.length > 0) {
      log(`stopping what this call started: ${started.join(", ")}`);
      await stackDown(settings, log, started);
    }
    throw err;
  }
  log(
    `stack is up (${elapsed(began)}): Flink ${endpoints.flinkRestUrl}, SQL Gateway ${endpoints.sqlGatewayUrl}, Kafka ${endpoints.kafkaBrokers.join(",")}`,
  );
  return { endpoints, started };
}

/** Fails early, with a clear message, when `java` is missing or older than 17. */
async function checkJava(settings: StackSettings): Promise<void> {
  const result = spawnSync(settings.java, ["-version"], { encoding: "utf8" });
  if (result.error) {
    throw new StackError(
      `cannot run ${settings.java} (${result.error.message}); install Java ${javaMajor} or set JAVA_HOME`,
    );
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr ?? "");
  const major = version ? Number(version[1] === "1" ? version[2] : version[1]) : 0;
  if (major < javaMajor) {
    throw new StackError(
      `Flink ${versions.flink} needs Java ${javaMajor}+; ${settings.java} is: ${result.stderr.split("\n")[0]}`,
    );
  }
}

async function prepareDirs(settings: StackSettings): Promise<void> {
  const f = flinkDirs(settings);
  const k = kafkaDirs(settings);
  for (const dir of [
    f.conf,
    f.logs,
    f.checkpoints,
    f.savepoints,
    k.conf,
    k.data,
    join(settings.stateDir, "run"),
  ]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(join(f.conf, "config.yaml"), renderFlinkConfig(settings));
  await writeFile(join(f.conf, "log4j.properties"), log4jProperties);
  await writeFile(join(k.conf, "server.properties"), renderServerProperties(settings));
  await writeFile(join(k.conf, "log4j2.properties"), kafkaLog4jProperties);
}

async function startComponent(
  settings: StackSettings,
  name: Component,
  flinkLib: string,
  kafkaLib: string,
  log: Log,
): Promise<number> {
  const proc = managed(settings, name);
  // The component is not running, so its private tmpdir (the planner loader
  // unpacks a ~40 MB jar there on every start) can be emptied.
  const tmpDir = join(settings.stateDir, "tmp", name);
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  if (name === "kafka") {
    await formatKafkaOnce(settings, kafkaLib, log);
    const args = kafkaServerArgs(settings, kafkaLib, tmpDir, identityFlags(proc));
    return startDetached(proc, settings.java, args, outFile(settings, name), process.env);
  }
  const args = flinkJavaArgs(name satisfies FlinkProcess, settings, flinkLib, tmpDir, identityFlags(proc));
  const env = { ...process.env, FLINK_CONF_DIR: flinkDirs(settings).conf };
  return startDetached(proc, settings.java, args, outFile(settings, name), env);
}

/** Formats Kafka's log directory with a fresh cluster id the first time (KRaft needs it). */
async function formatKafkaOnce(settings: StackSettings, kafkaLib: string, log: Log): Promise<void> {
  const dirs = kafkaDirs(settings);
  if (existsSync(join(dirs.data, "meta.properties"))) return;
  const idFile = join(settings.stateDir, "kafka", "cluster-id");
  if (!existsSync(idFile)) await writeFile(idFile, randomBytes(16).toString("base64url"));
  const clusterId = (await readFile(idFile, "utf8")).trim();
  log(`formatting Kafka storage (cluster id ${clusterId})`);
  const tmpDir = join(settings.stateDir, "tmp", "kafka-format");
  await mkdir(tmpDir, { recursive: true });
  const out = join(dirs.logs, "kafka-format.out");
  const code = await runToCompletion(
    settings.java,
    kafkaFormatArgs(settings, kafkaLib, tmpDir, clusterId),
    out,
  );
  if (code !== 0) throw new StackError(`formatting Kafka storage failed (exit ${code}):\n${await tail(out)}`);
}

async function waitReady(
  settings: StackSettings,
  names: readonly Component[],
  endpoints: StackEndpoints,
  log: Log,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(names);
  while (pending.size > 0) {
    for (const name of [...pending]) {
      if (await specs[name].ready(endpoints)) {
        pending.delete(name);
        log(`${name} is ready`);
        continue;
      }
      if ((await runningPid(managed(settings, name))) === undefined) {
        throw new StackError(`${name} exited during start-up.\n${await diagnostics(settings, name)}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const name = [...pending][0] as Component;
      throw new StackError(
        `${[...pending].join(", ")} not ready after ${timeoutMs / 1000}s.\n${await diagnostics(settings, name)}`,
      );
    }
    await sleep(500);
  }
}

async function diagnostics(settings: StackSettings, name: Component): Promise<string> {
  const parts = [`--- last lines of ${logFile(settings, name)}:`, await tail(logFile(settings, name), 40)];
  const out = await tail(outFile(settings, name), 40);
  if (out.trim()) parts.push(`--- last lines of ${outFile(settings, name)}:`, out);
  return parts.join("\n");
}

/**
 * Stops the given components (default: all), the SQL Gateway first and Kafka
 * last. SIGTERM, then SIGKILL after 30 s.
 */
export async function stackDown(
  settings: StackSettings,
  log: Log,
  only: readonly Component[] = components,
): Promise<void> {
  if (only === components) log(`postgres: ${await stopPostgres(settings)}`);
  const order = [...components].reverse().filter((c) => only.includes(c));
  for (const name of order) {
    const outcome = await stopProcess(managed(settings, name));
    log(`${name}: ${outcome}`);
  }
}

/**
 * Sends `signal` (default SIGKILL) to one running component, as a crash would:
 * its pid file stays, so `stackUp` sees it dead and starts it again. For
 * recovery tests. Returns the pid signalled, or undefined when it was not running.
 * After SIGKILL it resolves once the process is gone.
 *
 * @example
 *   await killComponent(settings, "taskmanager"); // then stackUp restarts it
 */
export async function killComponent(
  settings: StackSettings,
  name: Component,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number | undefined> {
  return signalProcess(managed(settings, name), signal);
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
