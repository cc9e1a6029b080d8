import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** A Sluice service the demo runs as a child process (the API, the enricher). */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>;
  /** `true` while the process runs. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<string>;
}

/**
 * Starts `node <script>` with the given environment, output appended to `logFile`.
 *
 * The child gets its own process group (`detached`), so that a Ctrl-C in the terminal reaches
 * only the demo: the demo must stop the jobs through the API before the API itself stops.
 *
 * @example
 *   const api = startChild("api", "services/api/src/server.ts", { SLUICE_API_PORT: "8080" }, "/tmp/api.log");
 *   await api.stop();
 */
export function startChild(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  cwd: string,
): Child {
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd,
    env,
    stdio: ["ignore", out, out],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (node ${script})`);
  const pid = child.pid;
  let alive = true;
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      alive = false;
      resolve(signal ? `signal ${signal}` : `exit ${code}`);
    });
  });
  return {
    name,
    pid,
    logFile,
    exited,
    running: () => alive,
    async stop(graceMs = 30_000) {
      if (!alive) return exited;
      child.kill("SIGTERM");
      const outcome = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
      if (outcome !== undefined) return outcome;
      child.kill("SIGKILL");
      return `${await exited} (after SIGKILL)`;
    },
  };
}
