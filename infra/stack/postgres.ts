import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { applyMigrations, ensureRoleAndDatabase, postgresAnswers } from "./postgres-schema.ts";
import { isAlive, portIsFree, tail } from "./processes.ts";
import type { StackSettings } from "./settings.ts";

/**
 * PostgreSQL as a stack component: Debian's `postgresql` binaries, a data
 * directory under the state folder, TCP on 127.0.0.1:`SLUICE_POSTGRES_PORT`
 * only, a role and database `sluice`, and the results tables of the flagship
 * jobs (migrations in `postgres/*.sql`, applied at every start, once each).
 *
 * PostgreSQL refuses to run as root; when the launcher is root (CI) it runs
 * initdb and the server as the `postgres` system user (Debian's package creates
 * it; `SLUICE_POSTGRES_USER` picks another). If that user cannot reach the
 * state folder, the data directory goes under the system temp dir instead.
 */

type Log = (line: string) => void;

/** How to reach the stack's PostgreSQL database as the Sluice role. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  database: string;
  user: string;
  /** `SLUICE_POSTGRES_PASSWORD`, default `sluice` (a local development stack). */
  password: string;
}

export function postgresEndpoint(
  settings: StackSettings,
  env: NodeJS.ProcessEnv = process.env,
): PostgresEndpoint {
  return {
    host: settings.host,
    port: settings.ports.postgres,
    database: "sluice",
    user: "sluice",
    password: env.SLUICE_POSTGRES_PASSWORD || "sluice",
  };
}

/** The JDBC URL Flink's JDBC connector uses for the stack's database. */
export function postgresJdbcUrl(settings: StackSettings): string {
  const e = postgresEndpoint(settings);
  return `jdbc:postgresql://${e.host}:${e.port}/${e.database}`;
}

/** Directory of Debian's PostgreSQL binaries (`SLUICE_POSTGRES_BIN` wins), or undefined. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SLUICE_POSTGRES_BIN) return env.SLUICE_POSTGRES_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], "bin");
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** The unprivileged user to run as when we are root; undefined when we are not root. */
function runAs(env: NodeJS.ProcessEnv = process.env): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = env.SLUICE_POSTGRES_USER || "postgres";
  const id = (flag: string) => spawnSync("id", [flag, name], { encoding: "utf8" });
  const [uid, gid] = [id("-u"), id("-g")];
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no user "${name}" to run it as; ` +
        "install Debian's postgresql package (it creates one) or set SLUICE_POSTGRES_USER",
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
}

function canReach(dir: string, user: RunAs | undefined): boolean {
  if (user === undefined) return true;
  return spawnSync("test", ["-x", dir], { uid: user.uid, gid: user.gid }).status === 0;
}

/** Where the data directory, run files and password file live for this state folder. */
export function postgresDirs(settings: StackSettings, user = runAs()): { home: string; data: string } {
  let home = join(settings.stateDir, "postgres");
  if (!canReach(settings.stateDir, user)) {
    const hash = createHash("sha256").update(settings.stateDir).digest("hex").slice(0, 12);
    home = join(tmpdir(), `sluice-postgres-${hash}`);
  }
  return { home, data: join(home, "data") };
}

export function postgresLogFile(settings: StackSettings): string {
  return join(settings.stateDir, "logs", "postgres.log");
}

/** The server's pid from `postmaster.pid`, when that process is alive and serves this data dir. */
export function postgresPid(settings: StackSettings): number | undefined {
  const { data } = postgresDirs(settings);
  const file = join(data, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes(data) ? pid : undefined;
  } catch {
    return pid;
  }
}

/** True when the Sluice role can log in and run a query. */
export function postgresReady(settings: StackSettings): Promise<boolean> {
  return postgresAnswers(postgresEndpoint(settings));
}

function run(bin: string, args: string[], user: RunAs | undefined, out: string): Promise<number> {
  return open(out, "a").then(async (file) => {
    try {
      return await new Promise<number>((done, fail) => {
        const child = spawn(bin, args, {
          stdio: ["ignore", file.fd, file.fd],
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
        });
        child.once("error", fail);
        child.once("close", (code) => done(code ?? 1));
      });
    } finally {
      await file.close();
    }
  });
}

async function ownDir(dir: string, user: RunAs | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o700);
  if (user) await chown(dir, user.uid, user.gid);
}

/** initdb once: superuser `postgres` with the stack's password, scram for TCP. */
async function initOnce(settings: StackSettings, bin: string, user: RunAs | undefined, log: Log) {
  const { home, data } = postgresDirs(settings, user);
  if (existsSync(join(data, "PG_VERSION"))) return;
  await ownDir(home, user);
  await ownDir(data, user);
  const pwfile = join(home, "pwfile");
  await writeFile(pwfile, `${postgresEndpoint(settings).password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  log(`initialising PostgreSQL in ${data}${user ? ` as user ${user.name}` : ""}`);
  const args = ["-D", data, "-U", "postgres", `--pwfile=${pwfile}`, "--auth=scram-sha-256"];
  const code = await run(join(bin, "initdb"), [...args, "-E", "UTF8", "--locale=C"], user, logOf(settings));
  await rm(pwfile, { force: true });
  if (code !== 0) {
    await rm(data, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${code}):\n${await tail(logOf(settings), 20)}`);
  }
}

const logOf = postgresLogFile;

/**
 * Starts PostgreSQL when it is not running, waits until it answers, and makes
 * sure the Sluice role, database and results tables exist. Returns the pid, or
 * undefined when no PostgreSQL binaries are installed (a warning is logged).
 */
export async function startPostgres(settings: StackSettings, log: Log, timeoutMs = 60_000) {
  const bin = postgresBinDir();
  if (bin === undefined) {
    log("warning: no PostgreSQL binaries (apt-get install postgresql); the results database is not started");
    return undefined;
  }
  await mkdir(join(settings.stateDir, "logs"), { recursive: true });
  const user = runAs();
  let pid = postgresPid(settings);
  if (pid === undefined) {
    if (!(await portIsFree(settings.host, settings.ports.postgres))) {
      throw new Error(
        `cannot start PostgreSQL: port ${settings.ports.postgres} is in use by a process this stack did not start (set SLUICE_POSTGRES_PORT)`,
      );
    }
    await initOnce(settings, bin, user, log);
    pid = await launch(settings, bin, user);
    log(`started postgres (pid ${pid}), log ${logOf(settings)}`);
  }
  await waitForServer(settings, timeoutMs);
  await ensureRoleAndDatabase(postgresEndpoint(settings));
  const applied = await applyMigrations(postgresEndpoint(settings));
  for (const name of applied) log(`postgres: applied migration ${name}`);
  log("postgres is ready");
  return postgresPid(settings);
}

/** Waits until the superuser can connect; fails early when the server exited. */
async function waitForServer(settings: StackSettings, timeoutMs: number): Promise<void> {
  const began = Date.now();
  const superuser = { ...postgresEndpoint(settings), user: "postgres", database: "postgres" };
  while (!(await postgresAnswers(superuser))) {
    // The pid file appears a moment after the process starts.
    if (Date.now() - began > 5_000 && postgresPid(settings) === undefined) {
      throw new Error(`PostgreSQL exited during start-up:\n${await tail(logOf(settings), 30)}`);
    }
    if (Date.now() - began > timeoutMs) throw new Error(`PostgreSQL not ready after ${timeoutMs / 1000}s`);
    await sleep(300);
  }
}

async function launch(settings: StackSettings, bin: string, user: RunAs | undefined): Promise<number> {
  const { data } = postgresDirs(settings, user);
  const file = await open(logOf(settings), "a");
  try {
    const args = [
      "-D",
      data,
      "-p",
      String(settings.ports.postgres),
      "-c",
      `listen_addresses=${settings.host}`,
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=60",
    ];
    const child = spawn(join(bin, "postgres"), args, {
      detached: true,
      stdio: ["ignore", file.fd, file.fd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const pid = await new Promise<number>((done, fail) => {
      child.once("error", fail);
      child.once("spawn", () => done(child.pid as number));
    });
    child.unref();
    return pid;
  } finally {
    await file.close();
  }
}

/**
 * Stops the server: SIGINT (PostgreSQL's "fast" shutdown: disconnect clients,
 * checkpoint), SIGKILL after `timeoutMs`. SIGKILL alone is a crash, for tests.
 */
export async function stopPostgres(
  settings: StackSettings,
  signal: "SIGINT" | "SIGKILL" = "SIGINT",
  timeoutMs = 30_000,
): Promise<"stopped" | "killed" | "not running"> {
  const pid = postgresPid(settings);
  if (pid === undefined) return "not running";
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) return signal === "SIGKILL" ? "killed" : "stopped";
  process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(100);
  return "killed";
}

/** The component's status line: pid, port, readiness. */
export async function postgresStatus(settings: StackSettings) {
  return {
    name: "postgres",
    pid: postgresPid(settings),
    ports: [["PostgreSQL", settings.ports.postgres]] as [string, number][],
    ready: await postgresReady(settings),
  };
}
