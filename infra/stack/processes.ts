import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A background JVM of the stack, tracked by a pid file. The JVM carries
 * `-Dsluice.component=<name> -Dsluice.stack=<stateDir>` so that a pid reused by
 * an unrelated process is never mistaken for (or killed as) ours.
 */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  stateDir: string;
}

export function identityFlags(p: ManagedProcess): string[] {
  return [`-Dsluice.component=${p.name}`, `-Dsluice.stack=${p.stateDir}`];
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return undefined;
  }
}

/** True when /proc says the process has exited but its parent has not reaped it yet. */
function isZombie(pid: number): boolean {
  try {
    // The state follows the command name in parentheses, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

/**
 * True while a process with this pid runs (ours or not). A zombie counts as
 * gone: a component started from a long-lived process (a test calling
 * `stackUp`) stays a zombie after it exits until that process reaps it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** The pid of the running process, or undefined (a stale pid file is removed). */
export async function runningPid(p: ManagedProcess): Promise<number | undefined> {
  if (!existsSync(p.pidFile)) return undefined;
  const pid = Number((await readFile(p.pidFile, "utf8")).trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const cmd = commandLineOf(pid);
    // Without /proc (macOS) trust a live pid from our own pid file.
    if (
      cmd === undefined ||
      (cmd.includes(identityFlags(p)[0] ?? "") && cmd.includes(identityFlags(p)[1] ?? ""))
    ) {
      return pid;
    }
  }
  await rm(p.pidFile, { force: true });
  return undefined;
}

/** Starts a detached process that outlives the launcher; stdout and stderr go to `outFile`. */
export async function startDetached(
  p: ManagedProcess,
  command: string,
  args: string[],
  outFile: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const out = openSync(outFile, "a");
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out], env });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once("error", (err) =>
        reject(new Error(`could not start ${p.name}: ${err.message}`, { cause: err })),
      );
      child.once("spawn", () => resolvePid(child.pid as number));
    });
    child.unref();
    await writeFile(p.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

/** Runs a command to completion (used for one-off tools such as Kafka's storage format). */
export function runToCompletion(command: string, args: string[], outFile: string): Promise<number> {
  const out = openSync(outFile, "a");
  return new Promise<number>((resolveCode, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", out, out] });
    child.once("error", reject);
    child.once("close", (code) => resolveCode(code ?? 1));
  }).finally(() => closeSync(out));
}

/**
 * Stops the process: SIGTERM (the JVMs shut down cleanly), then SIGKILL after
 * `timeoutMs`. Resolves once the process is gone.
 */
export async function stopProcess(
  p: ManagedProcess,
  timeoutMs = 30_000,
): Promise<"stopped" | "killed" | "not running"> {
  const pid = await runningPid(p);
  if (pid === undefined) return "not running";
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    await sleep(200);
  }
  let outcome: "stopped" | "killed" = "stopped";
  if (isAlive(pid)) {
    process.kill(pid, "SIGKILL");
    outcome = "killed";
    while (isAlive(pid)) await sleep(100);
  }
  await rm(p.pidFile, { force: true });
  return outcome;
}

/**
 * Sends `signal` to the process if it is ours and running, without waiting or
 * removing its pid file (a crash as seen from outside). Returns the pid signalled.
 */
export async function signalProcess(p: ManagedProcess, signal: NodeJS.Signals): Promise<number | undefined> {
  const pid = await runningPid(p);
  if (pid === undefined) return undefined;
  process.kill(pid, signal);
  if (signal === "SIGKILL") while (isAlive(pid)) await sleep(50);
  return pid;
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/**
 * A TCP port nothing listens on right now (the kernel picks it), for a server a
 * test or a second stack starts. Another process may take it before it is used.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, host, listening));
  const address = server.address();
  await new Promise((closed) => server.close(closed));
  if (address === null || typeof address === "string") throw new Error("no TCP port was assigned");
  return address.port;
}

/** Last `n` lines of a text file ("" when it does not exist). */
export async function tail(file: string, n = 40): Promise<string> {
  if (!existsSync(file)) return "";
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .slice(-n - 1)
    .join("\n");
}
