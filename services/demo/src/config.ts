import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { endpointsOf, functionsJar, postgresEndpoint, stackSettings } from "@sluice/stack";
import { z } from "zod";
import type { TrafficRates } from "./traffic.ts";

/** Root of the repository (services/demo/src/../../..). */
export const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

/**
 * Everything `npm start` can be told through the environment. The README's table lists the
 * variables; {@link demoConfig} reads and validates them once, at start.
 *
 * @example
 *   const config = demoConfig({ SLUICE_DEMO_SENSOR_RATE: "200", SLUICE_STATE_DIR: "/tmp/demo1" });
 *   config.rates.sensorPerSecond; // 200
 */
export interface DemoConfig {
  /** The demo's own state: the API's job store, logs, the API token, the replay position. */
  stateDir: string;
  dbPath: string;
  logDir: string;
  api: { host: string; port: number; url: string };
  /** Bearer token of this session (generated unless SLUICE_API_TOKEN is set). Never printed. */
  token: string;
  stack: { flinkRestUrl: string; sqlGatewayUrl: string; kafkaBrokers: string[] };
  /** The stack's endpoints were given explicitly: use them, never start a local stack. */
  stackExplicit: boolean;
  /** Appended to job names (`-x`) and topics (`_x`) so that several demos can share one stack. */
  suffix: string;
  rates: TrafficRates;
  /** Simulated seconds of business time (reviews, transactions, clicks) per wall-clock second. */
  timeScale: number;
  /** Readings above this temperature (°F) are anomalies for the `sensor-anomalies` job. */
  threshold: number;
  seed: number;
  refreshMs: number;
  /** How long a job may take to reach RUNNING, or STOPPED with its savepoint. */
  jobTimeoutMs: number;
  enricherHttpPort: number;
  modelServerPort: number;
  /** Set when OPENAI_API_KEY is: the enricher talks to this endpoint instead of the stand-in. */
  openai: { apiKey: string; baseUrl: string | undefined; model: string | undefined } | undefined;
  /** Force the line-oriented output even on a terminal (`SLUICE_DEMO_PLAIN=1`). */
  plain: boolean;
}

/** Thrown for bad settings; one line per bad variable. */
export class DemoConfigError extends Error {
  override readonly name = "DemoConfigError";
}

const positive = (name: string, fallback: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .positive({ error: `${name} must be > 0` })
    .max(max, { error: `${name} must be <= ${max}` })
    .default(fallback);

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int({ error: `${name} must be an integer` })
    .min(0, { error: `${name} must be >= 0` })
    .max(65535, { error: `${name} must be <= 65535` })
    .default(fallback);

const envSchema = z.object({
  SLUICE_STATE_DIR: z.string().min(1).optional(),
  SLUICE_API_HOST: z.string().min(1).default("127.0.0.1"),
  SLUICE_API_PORT: port("SLUICE_API_PORT", 8080),
  SLUICE_API_TOKEN: z.string().min(8, { error: "SLUICE_API_TOKEN must be at least 8 characters" }).optional(),
  SLUICE_FLINK_REST_URL: z.url({ error: "SLUICE_FLINK_REST_URL must be a URL" }).optional(),
  SLUICE_SQL_GATEWAY_URL: z.url({ error: "SLUICE_SQL_GATEWAY_URL must be a URL" }).optional(),
  SLUICE_KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? undefined
        : s
            .split(",")
            .map((b) => b.trim())
            .filter((b) => b !== ""),
    )
    .pipe(
      z
        .array(
          z.string().regex(/^[\w.-]+:\d{1,5}$/, { error: "SLUICE_KAFKA_BROKERS entries must be host:port" }),
        )
        .min(1)
        .optional(),
    ),
  SLUICE_DEMO_SUFFIX: z
    .string()
    .regex(/^[a-z0-9]{1,20}$/, { error: "SLUICE_DEMO_SUFFIX must be 1-20 lower-case letters or digits" })
    .optional(),
  SLUICE_DEMO_SENSOR_RATE: positive("SLUICE_DEMO_SENSOR_RATE", 50, 10_000),
  SLUICE_DEMO_REVIEW_RATE: positive("SLUICE_DEMO_REVIEW_RATE", 4, 1000),
  SLUICE_DEMO_TRANSACTION_RATE: positive("SLUICE_DEMO_TRANSACTION_RATE", 20, 10_000),
  SLUICE_DEMO_CLICK_RATE: positive("SLUICE_DEMO_CLICK_RATE", 10, 10_000),
  SLUICE_DEMO_TIME_SCALE: positive("SLUICE_DEMO_TIME_SCALE", 360, 1_000_000),
  SLUICE_DEMO_THRESHOLD: z.coerce.number({ error: "SLUICE_DEMO_THRESHOLD must be a number" }).default(80),
  SLUICE_DEMO_SEED: z.coerce.number().int({ error: "SLUICE_DEMO_SEED must be an integer" }).default(42),
  SLUICE_DEMO_REFRESH_MS: positive("SLUICE_DEMO_REFRESH_MS", 3000, 600_000),
  SLUICE_DEMO_JOB_TIMEOUT_MS: positive("SLUICE_DEMO_JOB_TIMEOUT_MS", 180_000, 3_600_000),
  SLUICE_DEMO_PLAIN: z.enum(["0", "1", "true", "false"]).default("0"),
  ENRICHER_HTTP_PORT: port("ENRICHER_HTTP_PORT", 9464),
  MODEL_SERVER_PORT: port("MODEL_SERVER_PORT", 0),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: "OPENAI_BASE_URL must be a URL" }).optional(),
  ENRICHER_MODEL: z.string().min(1).optional(),
});

/** Reads the demo's settings from the environment; empty strings count as unset. */
export function demoConfig(rawEnv: Record<string, string | undefined> = process.env): DemoConfig {
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "environment");
      return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
    });
    throw new DemoConfigError(`invalid configuration:\n  - ${lines.join("\n  - ")}`);
  }
  const e = parsed.data;
  const stateDir = resolve(e.SLUICE_STATE_DIR ?? join(repoRoot, ".sluice", "demo"));
  const strip = (url: string) => url.replace(/\/+$/, "");
  // Without explicit endpoints, those of the native launcher (SLUICE_*_PORT), like the tests.
  const launcher = endpointsOf(stackSettings(rawEnv));
  return {
    stateDir,
    dbPath: join(stateDir, "api", "sluice.db"),
    logDir: join(stateDir, "logs"),
    api: {
      host: e.SLUICE_API_HOST,
      port: e.SLUICE_API_PORT,
      url: `http://${e.SLUICE_API_HOST}:${e.SLUICE_API_PORT}`,
    },
    token: e.SLUICE_API_TOKEN ?? randomBytes(24).toString("base64url"),
    stack: {
      flinkRestUrl: strip(e.SLUICE_FLINK_REST_URL ?? launcher.flinkRestUrl),
      sqlGatewayUrl: strip(e.SLUICE_SQL_GATEWAY_URL ?? launcher.sqlGatewayUrl),
      kafkaBrokers: e.SLUICE_KAFKA_BROKERS ?? launcher.kafkaBrokers,
    },
    stackExplicit: Boolean(e.SLUICE_FLINK_REST_URL || e.SLUICE_SQL_GATEWAY_URL || e.SLUICE_KAFKA_BROKERS),
    suffix: e.SLUICE_DEMO_SUFFIX ?? "",
    rates: {
      sensorPerSecond: e.SLUICE_DEMO_SENSOR_RATE,
      reviewsPerSecond: e.SLUICE_DEMO_REVIEW_RATE,
      transactionsPerSecond: e.SLUICE_DEMO_TRANSACTION_RATE,
      clicksPerSecond: e.SLUICE_DEMO_CLICK_RATE,
    },
    timeScale: e.SLUICE_DEMO_TIME_SCALE,
    threshold: e.SLUICE_DEMO_THRESHOLD,
    seed: e.SLUICE_DEMO_SEED,
    refreshMs: e.SLUICE_DEMO_REFRESH_MS,
    jobTimeoutMs: e.SLUICE_DEMO_JOB_TIMEOUT_MS,
    enricherHttpPort: e.ENRICHER_HTTP_PORT,
    modelServerPort: e.MODEL_SERVER_PORT,
    openai: e.OPENAI_API_KEY
      ? { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.ENRICHER_MODEL }
      : undefined,
    plain: e.SLUICE_DEMO_PLAIN === "1" || e.SLUICE_DEMO_PLAIN === "true",
  };
}

/** The environment of the API child: its port, the session's token, the job store, the stack. */
export function apiEnv(config: DemoConfig, checkpointDir?: string): NodeJS.ProcessEnv {
  return {
    // Flink's retained checkpoints (see `retainedCheckpointDir`), unless SLUICE_CHECKPOINT_DIR is set.
    ...(checkpointDir === undefined ? {} : { SLUICE_CHECKPOINT_DIR: checkpointDir }),
    ...process.env,
    SLUICE_API_HOST: config.api.host,
    SLUICE_API_PORT: String(config.api.port),
    SLUICE_API_TOKENS: config.token,
    SLUICE_API_AUTH: "tokens",
    SLUICE_DB_PATH: config.dbPath,
    SLUICE_FLINK_REST_URL: config.stack.flinkRestUrl,
    SLUICE_SQL_GATEWAY_URL: config.stack.sqlGatewayUrl,
    SLUICE_KAFKA_BROKERS: config.stack.kafkaBrokers.join(","),
    // Jobs with models register Sluice's Flink functions `USING JAR '${secret:FUNCTIONS_JAR}'`.
    SLUICE_SECRET_FUNCTIONS_JAR: process.env.SLUICE_SECRET_FUNCTIONS_JAR ?? functionsJar(),
    // Jobs writing to the stack's PostgreSQL use `'password' = '${secret:POSTGRES_PASSWORD}'`.
    SLUICE_SECRET_POSTGRES_PASSWORD:
      process.env.SLUICE_SECRET_POSTGRES_PASSWORD ?? postgresEndpoint(stackSettings()).password,
  };
}

/**
 * The environment of the enricher child: its task (from the API), ids suffixed like the demo's
 * topics, and the stand-in model server when there is no OpenAI key.
 */
export function enricherEnv(
  config: DemoConfig,
  task: Record<string, unknown>,
  modelUrl: string | undefined,
): NodeJS.ProcessEnv {
  const id = config.suffix ? `sluice-demo-${config.suffix}` : "sluice-demo";
  return {
    ...process.env,
    KAFKA_BROKERS: config.stack.kafkaBrokers.join(","),
    ENRICHER_TASK: JSON.stringify(task),
    ENRICHER_TASK_FILE: "",
    ENRICHER_GROUP_ID: id,
    ENRICHER_TRANSACTIONAL_ID_PREFIX: id,
    ENRICHER_CACHE_TOPIC: config.suffix ? `sluice.enricher.cache_${config.suffix}` : "sluice.enricher.cache",
    ENRICHER_HTTP_HOST: "127.0.0.1",
    ENRICHER_HTTP_PORT: String(config.enricherHttpPort),
    ...(modelUrl === undefined ? {} : { OPENAI_BASE_URL: modelUrl, OPENAI_API_KEY: "sluice-demo-stand-in" }),
  };
}
