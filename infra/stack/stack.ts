import { setTimeout as sleep } from "node:timers/promises";
import {
  type Component,
  type ComponentKind,
  type ComponentStatus,
  type Log,
  StackError,
} from "./component.ts";
import { jobManager } from "./components/jobmanager.ts";
import { kafka } from "./components/kafka.ts";
import { postgres } from "./components/postgres.ts";
import { sqlGateway } from "./components/sql-gateway.ts";
import { taskManagers } from "./components/taskmanager.ts";
import { ensureFunctionsJar } from "./functions.ts";
import { acquireUpLock } from "./lock.ts";
import { portIsFree } from "./processes.ts";
import { registeredTaskManagers } from "./readiness.ts";
import { endpointsOf, type StackEndpoints, type StackSettings } from "./settings.ts";

/** The kinds of component, in start order (`down` stops them in reverse). Add a component here. */
const kinds: ComponentKind[] = [kafka, jobManager, taskManagers, sqlGateway, postgres];

/** The stack's components for these settings, in start order. */
export function stackComponents(settings: StackSettings): Component[] {
  return kinds.flatMap((kind) => kind(settings));
}

/** Names of the stack's components, in start order (e.g. for `stack:logs <name>`). */
export function componentNames(settings: StackSettings): string[] {
  return stackComponents(settings).map((c) => c.name);
}

function componentNamed(settings: StackSettings, name: string): Component {
  const found = stackComponents(settings).find((c) => c.name === name);
  if (!found) {
    throw new StackError(`unknown component "${name}"; one of: ${componentNames(settings).join(", ")}`);
  }
  return found;
}

/** Each component: its pid (when our process runs) and whether its endpoint answers. */
export function stackStatus(settings: StackSettings): Promise<ComponentStatus[]> {
  return Promise.all(stackComponents(settings).map((c) => c.status()));
}

export interface UpResult {
  endpoints: StackEndpoints;
  /** Names of the components this call started (the others were already running). */
  started: string[];
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
  const all = stackComponents(settings);
  const missing: Component[] = [];
  for (const c of all) {
    const pid = await c.running();
    if (pid === undefined) missing.push(c);
    else log(`${c.name} already running (pid ${pid})`);
  }
  functionsJarFor(log);
  await refuseBusyPorts(settings, missing);
  const started: string[] = [];
  try {
    for (const c of missing) {
      const pid = await c.start(log);
      started.push(c.name);
      log(`started ${c.name} (pid ${pid}), log ${c.logFile}`);
    }
    await waitReady(all, log, readyTimeoutMs);
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

/** Refuses to start next to a foreign process that holds one of our ports. */
async function refuseBusyPorts(settings: StackSettings, missing: Component[]): Promise<void> {
  const busy: string[] = [];
  for (const c of missing) {
    for (const [what, port] of c.ports) {
      if (!(await portIsFree(settings.host, port))) busy.push(`port ${port} (${what}, for ${c.name})`);
    }
  }
  if (busy.length === 0) return;
  throw new StackError(
    `cannot start: ${busy.join(", ")} ${busy.length > 1 ? "are" : "is"} in use by processes that this ` +
      `stack (state dir ${settings.stateDir}) did not start. Stop them, or move this stack with the SLUICE_*_PORT variables.`,
  );
}

async function waitReady(all: Component[], log: Log, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(all);
  while (pending.size > 0) {
    for (const c of [...pending]) {
      if (await c.ready()) {
        pending.delete(c);
        log(`${c.name} is ready`);
      } else if ((await c.running()) === undefined) {
        throw new StackError(`${c.name} exited during start-up.\n${await c.diagnostics()}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const names = [...pending].map((c) => c.name).join(", ");
      const first = [...pending][0] as Component;
      throw new StackError(`${names} not ready after ${timeoutMs / 1000}s.\n${await first.diagnostics()}`);
    }
    await sleep(500);
  }
}

/**
 * Stops the named components (default: all) in reverse start order: the SQL
 * Gateway first and Kafka last. SIGTERM, then SIGKILL after 30 s.
 */
export async function stackDown(settings: StackSettings, log: Log, only?: readonly string[]): Promise<void> {
  const order = stackComponents(settings)
    .reverse()
    .filter((c) => only === undefined || only.includes(c.name));
  for (const c of order) log(`${c.name}: ${await c.stop()}`);
}

/**
 * Sends `signal` (default SIGKILL) to one running component, as a crash would:
 * its pid file stays, so `stackUp` sees it dead and starts it again. For
 * recovery tests. Returns the pid signalled, or undefined when it was not running.
 * After SIGKILL it resolves once the process is gone.
 *
 * @example
 *   await killComponent(settings, "taskmanager-1"); // then stackUp restarts it
 */
export function killComponent(
  settings: StackSettings,
  name: string,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number | undefined> {
  return componentNamed(settings, name).kill(signal);
}

/**
 * Starts one component when it is not running and waits until it is ready
 * (a TaskManager: registered). Resolves to its pid. For recovery tests.
 *
 * @example
 *   await killComponent(settings, "taskmanager-2");
 *   await startComponent(settings, "taskmanager-2", console.log);
 */
export async function startComponent(
  settings: StackSettings,
  name: string,
  log: Log,
  readyTimeoutMs = 120_000,
): Promise<number> {
  const c = componentNamed(settings, name);
  const release = await acquireUpLock(settings, log, readyTimeoutMs + 300_000);
  try {
    let pid = await c.running();
    if (pid === undefined) {
      await refuseBusyPorts(settings, [c]);
      pid = await c.start(log);
      log(`started ${c.name} (pid ${pid}), log ${c.logFile}`);
    }
    await waitReady([c], log, readyTimeoutMs);
    return pid;
  } finally {
    await release();
  }
}

/** `stackUp` under the name recovery tests read best: brings back only what died, waits until all is ready. */
export const ensureUp = stackUp;

/** How many TaskManagers Flink lists right now (a killed one stays listed until its heartbeat times out). */
export async function taskManagerCount(settings: StackSettings): Promise<number> {
  return (await registeredTaskManagers(endpointsOf(settings).flinkRestUrl))?.length ?? 0;
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
