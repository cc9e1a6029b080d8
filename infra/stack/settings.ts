import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Root of the repository (infra/stack/../..). */
export const repoRoot = resolve(import.meta.dirname, "..", "..");

/**
 * Where a stack lives and which ports and memory it uses. Two stacks with
 * different `stateDir` and ports can run side by side (the launcher's own
 * integration test does that).
 */
export interface StackSettings {
  /** Pid files, logs, generated configuration, Kafka data, checkpoints. Default `<repo>/.sluice/stack`. */
  stateDir: string;
  /** Per-user cache of resolved jars. Default `~/.cache/sluice`. */
  cacheDir: string;
  ports: {
    flinkRest: number;
    /** JobManager RPC (Pekko) port; the blob server and TaskManager ports are ephemeral. */
    flinkRpc: number;
    sqlGateway: number;
    kafka: number;
    kafkaController: number;
    /** PostgreSQL (`SLUICE_POSTGRES_PORT`, default 5432). */
    postgres: number;
  };
  /** TaskManager total process memory in MiB (`SLUICE_TM_MEMORY`, e.g. `2560m` or `3g`). */
  taskManagerMemoryMb: number;
  /** Slots of each TaskManager (`SLUICE_TM_SLOTS`). */
  taskManagerSlots: number;
  /** How many TaskManagers the launcher runs (`SLUICE_TASKMANAGERS`, default 1), each with `taskManagerSlots`. */
  taskManagers: number;
  /** Loopback address every component binds to. */
  host: string;
  java: string;
}

/** Public endpoints of a stack, in the form the other packages' env vars use. */
export interface StackEndpoints {
  flinkRestUrl: string;
  sqlGatewayUrl: string;
  kafkaBrokers: string[];
}

/** More TaskManagers than this on one machine is a typo, not a plan. */
const maxTaskManagers = 16;

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a positive integer (port or count), got "${raw}"`);
  }
  return value;
}

/** Parses `2560m`, `3g`, `2560` (MiB) into MiB. */
export function parseMemoryMb(raw: string, name = "memory"): number {
  const match = /^(\d+)\s*([mMgG]?)[bB]?$/.exec(raw.trim());
  if (!match) throw new Error(`${name} must look like 2560m or 3g, got "${raw}"`);
  const amount = Number(match[1]);
  return match[2]?.toLowerCase() === "g" ? amount * 1024 : amount;
}

/**
 * Reads the stack settings from the environment.
 *
 * @example
 *   SLUICE_STACK_DIR=/tmp/s2 SLUICE_FLINK_REST_PORT=18081 node infra/stack/cli.ts up
 */
export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const stateDir = resolve(env.SLUICE_STACK_DIR || join(repoRoot, ".sluice", "stack"));
  const cacheDir = resolve(env.SLUICE_CACHE_DIR || join(homedir(), ".cache", "sluice"));
  const settings: StackSettings = {
    stateDir,
    cacheDir,
    ports: {
      flinkRest: intFromEnv(env, "SLUICE_FLINK_REST_PORT", 8081),
      flinkRpc: intFromEnv(env, "SLUICE_FLINK_RPC_PORT", 6123),
      sqlGateway: intFromEnv(env, "SLUICE_SQL_GATEWAY_PORT", 8083),
      kafka: intFromEnv(env, "SLUICE_KAFKA_PORT", 9092),
      kafkaController: intFromEnv(env, "SLUICE_KAFKA_CONTROLLER_PORT", 9093),
      postgres: intFromEnv(env, "SLUICE_POSTGRES_PORT", 5432),
    },
    taskManagerMemoryMb: parseMemoryMb(env.SLUICE_TM_MEMORY || "2560m", "SLUICE_TM_MEMORY"),
    taskManagerSlots: intFromEnv(env, "SLUICE_TM_SLOTS", 24),
    taskManagers: intFromEnv(env, "SLUICE_TASKMANAGERS", 1),
    host: "127.0.0.1",
    java: env.JAVA_HOME ? join(env.JAVA_HOME, "bin", "java") : "java",
  };
  if (settings.taskManagers > maxTaskManagers) {
    throw new Error(`SLUICE_TASKMANAGERS must be at most ${maxTaskManagers}, got ${settings.taskManagers}`);
  }
  const ports = Object.entries(settings.ports);
  for (const [name, port] of ports) {
    const clash = ports.find(([other, p]) => other !== name && p === port);
    if (clash) throw new Error(`ports ${name} and ${clash[0]} are both ${port}; give each its own`);
  }
  return settings;
}

export function endpointsOf(settings: StackSettings): StackEndpoints {
  const { host, ports } = settings;
  return {
    flinkRestUrl: `http://${host}:${ports.flinkRest}`,
    sqlGatewayUrl: `http://${host}:${ports.sqlGateway}`,
    kafkaBrokers: [`${host}:${ports.kafka}`],
  };
}
