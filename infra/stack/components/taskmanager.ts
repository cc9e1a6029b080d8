import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Component, type ComponentKind, type Log, managedProcess } from "../component.ts";
import { runningPid, stopProcess } from "../processes.ts";
import { type RegisteredTaskManager, registeredTaskManagers } from "../readiness.ts";
import { endpointsOf, type StackSettings } from "../settings.ts";
import { flinkComponent } from "./flink-process.ts";

/** Component names of the TaskManagers: `taskmanager-1` ... `taskmanager-N` (`SLUICE_TASKMANAGERS`). */
export function taskManagerNames(settings: StackSettings): string[] {
  return Array.from({ length: settings.taskManagers }, (_, i) => `taskmanager-${i + 1}`);
}

/** Where the resource id of a TaskManager's current process is kept (a new one per start). */
function resourceIdFile(settings: StackSettings, name: string): string {
  return join(settings.stateDir, "run", `${name}.resource-id`);
}

/**
 * This TaskManager's entry in the JobManager's list: the one with the resource
 * id of its current process. Each start gets a fresh id, so the registration of
 * a killed predecessor (listed until its heartbeat times out) never counts.
 */
async function registration(
  settings: StackSettings,
  name: string,
): Promise<RegisteredTaskManager | undefined> {
  const file = resourceIdFile(settings, name);
  const id = existsSync(file) ? (await readFile(file, "utf8")).trim() : undefined;
  if (id === undefined) return undefined;
  const listed = await registeredTaskManagers(endpointsOf(settings).flinkRestUrl);
  return listed?.find((tm) => tm.id === id);
}

function taskManager(settings: StackSettings, name: string): Component {
  const alive = async () => (await runningPid(managedProcess(settings, name))) !== undefined;
  return flinkComponent(settings, {
    name,
    process: "taskmanager",
    ports: [],
    // Registered and alive: a dead one stays listed until the heartbeat timeout.
    ready: async () => (await alive()) && (await registration(settings, name)) !== undefined,
    details: async () => {
      const tm = await registration(settings, name);
      if (!tm) return "not registered";
      const slots = `${tm.slots} slots (${tm.freeSlots} free)`;
      return (await alive()) ? `registered, ${slots}` : `still listed by Flink (dead), ${slots}`;
    },
    async programArgs() {
      const id = `${name}-${Date.now().toString(36)}`;
      await writeFile(resourceIdFile(settings, name), `${id}\n`);
      return ["-D", `taskmanager.resource-id=${id}`];
    },
  });
}

/**
 * Launchers before several TaskManagers ran one named `taskmanager`; when its
 * process still runs, `taskmanager-1` stops it before starting and when stopped.
 */
function replacingOldTaskManager(settings: StackSettings, c: Component): Component {
  const retire = async (log: Log) => {
    const outcome = await stopProcess(managedProcess(settings, "taskmanager"));
    if (outcome !== "not running") log(`the TaskManager of an older launcher (taskmanager.pid): ${outcome}`);
  };
  return {
    ...c,
    start: async (log) => {
      await retire(log);
      return c.start(log);
    },
    stop: async () => {
      await retire(() => {});
      return c.stop();
    },
  };
}

/** The TaskManagers: each registers with the JobManager and offers `SLUICE_TM_SLOTS` slots. */
export const taskManagers: ComponentKind = (settings) =>
  taskManagerNames(settings).map((name, i) => {
    const tm = taskManager(settings, name);
    return i === 0 ? replacingOldTaskManager(settings, tm) : tm;
  });
