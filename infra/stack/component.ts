import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  identityFlags,
  type ManagedProcess,
  runningPid,
  signalProcess,
  startDetached,
  stopProcess,
  tail,
} from "./processes.ts";
import type { StackSettings } from "./settings.ts";

export type Log = (line: string) => void;

export class StackError extends Error {
  override name = "StackError";
}

/** What `stack:status` shows of one component. */
export interface ComponentStatus {
  name: string;
  /** Pid of our process, undefined when it does not run. */
  pid: number | undefined;
  /** Ports it listens on: (what, port). */
  ports: [string, number][];
  /** Its endpoint answers (it may answer without our process: "up (not ours)"). */
  ready: boolean;
  /** Further facts, e.g. a TaskManager's registration and slots. */
  details?: string;
}

export type StopOutcome = "stopped" | "killed" | "not running";

/**
 * One process of the stack. `stack.ts` only orders components: it starts the
 * ones not running, waits until each is ready and stops them in reverse order.
 * A component is made for one `StackSettings` (see `ComponentKind`).
 */
export interface Component {
  /** Unique in the stack: names the pid file, log file and `stack:logs <name>`. */
  readonly name: string;
  /** Ports it listens on: (what, port); `up` refuses to start it when one is taken. */
  readonly ports: [string, number][];
  /** Its main log (shown by `stack:logs` and when it fails to start). */
  readonly logFile: string;
  /** Prepares what it needs (config, jars, data dirs) and starts it detached; resolves to its pid. */
  start(log: Log): Promise<number>;
  /** True once it serves (its endpoint answers, it is registered, ...). */
  ready(): Promise<boolean>;
  /** Pid of our running process, or undefined. Cheap: no network. */
  running(): Promise<number | undefined>;
  status(): Promise<ComponentStatus>;
  /** SIGTERM, then SIGKILL after 30 s; resolves once it is gone. */
  stop(): Promise<StopOutcome>;
  /** Sends a signal as a crash would (the pid file stays); resolves to the pid signalled. */
  kill(signal: NodeJS.Signals): Promise<number | undefined>;
  /** The last lines of its logs, for an error message. */
  diagnostics(): Promise<string>;
}

/** The components of one kind for these settings (e.g. N TaskManagers); listed in `stack.ts`. */
export type ComponentKind = (settings: StackSettings) => Component[];

export function logFile(settings: StackSettings, name: string): string {
  return join(settings.stateDir, "logs", `${name}.log`);
}

function outFile(settings: StackSettings, name: string): string {
  return join(settings.stateDir, "logs", `${name}.out`);
}

/** The command line of a detached process. */
export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** A component run as one detached process tracked by a pid file (what every component is today). */
export interface ProcessSpec {
  name: string;
  ports: [string, number][];
  ready: () => Promise<boolean>;
  /**
   * Writes its configuration, fetches what it runs, and returns the command.
   * `tmpDir` is its own emptied temp dir; `identity` flags must be on the command
   * line (they let the launcher recognise its process).
   */
  launch: (tmpDir: string, identity: string[], log: Log) => Promise<Launch>;
  /** Extra status facts (default none). */
  details?: () => Promise<string | undefined>;
}

/** The pid file and identity of the component `name`. */
export function managedProcess(settings: StackSettings, name: string): ManagedProcess {
  return { name, pidFile: join(settings.stateDir, "run", `${name}.pid`), stateDir: settings.stateDir };
}

export function processComponent(settings: StackSettings, spec: ProcessSpec): Component {
  const proc = managedProcess(settings, spec.name);
  const log = logFile(settings, spec.name);
  const out = outFile(settings, spec.name);
  return {
    name: spec.name,
    ports: spec.ports,
    logFile: log,
    async start(say) {
      // Not running, so its private tmpdir (the planner loader unpacks a ~40 MB
      // jar there on every start) can be emptied.
      const tmpDir = join(settings.stateDir, "tmp", spec.name);
      await rm(tmpDir, { recursive: true, force: true });
      await mkdir(tmpDir, { recursive: true });
      await mkdir(join(settings.stateDir, "run"), { recursive: true });
      await mkdir(join(settings.stateDir, "logs"), { recursive: true });
      const { command, args, env } = await spec.launch(tmpDir, identityFlags(proc), say);
      return startDetached(proc, command, args, out, env ?? process.env);
    },
    ready: spec.ready,
    running: () => runningPid(proc),
    async status() {
      const [pid, ready, details] = await Promise.all([runningPid(proc), spec.ready(), spec.details?.()]);
      return { name: spec.name, pid, ports: spec.ports, ready, ...(details ? { details } : {}) };
    },
    stop: () => stopProcess(proc),
    kill: (signal) => signalProcess(proc, signal),
    async diagnostics() {
      const parts = [`--- last lines of ${log}:`, await tail(log, 40)];
      const text = await tail(out, 40);
      if (text.trim()) parts.push(`--- last lines of ${out}:`, text);
      return parts.join("\n");
    },
  };
}
