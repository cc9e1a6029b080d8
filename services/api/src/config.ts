import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import type { FlowThresholds } from "./flow/conditions.ts";

/**
 * The API's configuration, read once from the environment at start and validated, so a bad
 * value stops the process with a message that names the variable (never a crash later).
 *
 * @example
 * ```ts
 * const config = loadConfig({ SLUICE_API_TOKENS: "s3cret", SLUICE_API_PORT: "8080" });
 * config.port; // 8080
 * ```
 */
export interface ApiConfig {
  port: number;
  host: string;
  flinkRestUrl: string;
  sqlGatewayUrl: string;
  kafkaBrokers: string[];
  dbPath: string;
  /** SHA-256 digests of the accepted bearer tokens (the tokens themselves are not kept). */
  tokenHashes: Buffer[];
  /** `false` only when explicitly turned off with `SLUICE_API_AUTH=none` (development). */
  authEnabled: boolean;
  /** Whether read routes also need a token. */
  readAuth: boolean;
  savepointDir: string | undefined;
  /**
   * The cluster's `execution.checkpointing.dir` as the API sees it: where a job whose Flink job is
   * gone (JobManager restarted) finds its newest retained checkpoint, and what delete cleans up.
   */
  checkpointDir: string | undefined;
  /** Milliseconds between reconcile passes; 0 turns the loop off (tests drive it by hand). */
  reconcileIntervalMs: number;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** How long a freshly submitted upgrade must stay RUNNING before the old state is let go. */
  upgradeVerifyMs: number;
  /** After a crash mid-submission, how long to wait for the job to show up before resubmitting. */
  submitGraceMs: number;
  /** An operation still unfinished after this long is marked failed (it never blocks a job for good). */
  operationTimeoutMs: number;
  /** Automatic restarts of a FAILED job before Sluice gives up (0 = never restart). */
  restartLimit: number;
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
  /** Prefix of the environment variables that hold job secrets: `${secret:KAFKA_PASSWORD}` reads `SLUICE_SECRET_KAFKA_PASSWORD`. */
  secretEnvPrefix: string;
  logLevel: string;
  /** Compacted topic the enricher reads its tasks from. */
  enrichmentTaskTopic: string;
  /** Upsert topics of the review-themes job, read for GET /v1/themes/trending. */
  themesTotalTopic: string;
  themesWindowedTopic: string;
  /**
   * `SLUICE_THEMES_DATABASE_URL`: a PostgreSQL URL (`postgres://sluice:...@127.0.0.1:5432/sluice`);
   * when set, GET /v1/themes/trending reads the review-themes job's PostgreSQL tables instead of Kafka.
   */
  themesDatabaseUrl?: string | undefined;
  /** Flow metrics and conditions (`src/flow`); defaults apply to what is left out. */
  flow?: Partial<FlowConfig> | undefined;
}

/** How often flow metrics are read, how old they may be served, and the condition thresholds. */
export interface FlowConfig extends FlowThresholds {
  /** Least time between two reads of Flink's metrics (one read covers every running job). */
  intervalMs: number;
  /** Older metrics are never served: the API shows no flow and Unknown conditions instead. */
  maxAgeMs: number;
}

const url = (name: string, fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` })
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ""));

const integer = (name: string, fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be >= ${min}` })
    .max(max, { error: `${name} must be <= ${max}` })
    .default(fallback);

const topic = (name: string, fallback: string) =>
  z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, { error: `${name} must be a Kafka topic name` })
    .default(fallback);

const bool = (name: string) =>
  z
    .enum(["true", "false", "1", "0"], { error: `${name} must be true or false` })
    .default("false")
    .transform((value) => value === "true" || value === "1");

const envSchema = z
  .object({
    SLUICE_API_PORT: integer("SLUICE_API_PORT", 8080, 0, 65535),
    SLUICE_API_HOST: z.string().min(1).default("127.0.0.1"),
    SLUICE_FLINK_REST_URL: url("SLUICE_FLINK_REST_URL", "http://127.0.0.1:8081"),
    SLUICE_SQL_GATEWAY_URL: url("SLUICE_SQL_GATEWAY_URL", "http://127.0.0.1:8083"),
    SLUICE_KAFKA_BROKERS: z
      .string()
      .default("127.0.0.1:9092")
      .transform((value) =>
        value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== ""),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[\w.-]+:\d{1,5}$/, { error: "SLUICE_KAFKA_BROKERS entries must be host:port" }),
          )
          .min(1, { error: "SLUICE_KAFKA_BROKERS must list at least one host:port" }),
      ),
    SLUICE_DB_PATH: z.string().min(1).default(".sluice/api/sluice.db"),
    SLUICE_API_TOKENS: z.string().optional(),
    SLUICE_API_AUTH: z
      .enum(["tokens", "none"], { error: "SLUICE_API_AUTH must be tokens or none" })
      .default("tokens"),
    SLUICE_API_READ_AUTH: bool("SLUICE_API_READ_AUTH"),
    SLUICE_SAVEPOINT_DIR: z.string().min(1).optional(),
    SLUICE_CHECKPOINT_DIR: z.string().min(1).optional(),
    SLUICE_RECONCILE_INTERVAL_MS: integer("SLUICE_RECONCILE_INTERVAL_MS", 2000, 0, 600_000),
    SLUICE_API_BODY_LIMIT: integer("SLUICE_API_BODY_LIMIT", 1_048_576, 1024, 64 * 1_048_576),
    SLUICE_UPGRADE_VERIFY_MS: integer("SLUICE_UPGRADE_VERIFY_MS", 10_000, 0, 600_000),
    SLUICE_SUBMIT_GRACE_MS: integer("SLUICE_SUBMIT_GRACE_MS", 30_000, 0, 600_000),
    SLUICE_OPERATION_TIMEOUT_MS: integer("SLUICE_OPERATION_TIMEOUT_MS", 600_000, 10_000, 86_400_000),
    SLUICE_RESTART_LIMIT: integer("SLUICE_RESTART_LIMIT", 5, 0, 1000),
    SLUICE_RESTART_BACKOFF_MS: integer("SLUICE_RESTART_BACKOFF_MS", 5_000, 0, 3_600_000),
    SLUICE_RESTART_BACKOFF_MAX_MS: integer("SLUICE_RESTART_BACKOFF_MAX_MS", 300_000, 0, 86_400_000),
    SLUICE_SECRET_ENV_PREFIX: z.string().default("SLUICE_SECRET_"),
    SLUICE_ENRICHMENT_TASK_TOPIC: topic("SLUICE_ENRICHMENT_TASK_TOPIC", "sluice.enrichment-tasks"),
    SLUICE_THEMES_TOTAL_TOPIC: topic("SLUICE_THEMES_TOTAL_TOPIC", "theme_counts_total"),
    SLUICE_THEMES_WINDOWED_TOPIC: topic("SLUICE_THEMES_WINDOWED_TOPIC", "theme_counts_windowed"),
    SLUICE_THEMES_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: "SLUICE_THEMES_DATABASE_URL must be a postgres:// URL" })
      .optional(),
    SLUICE_FLOW_INTERVAL_MS: integer("SLUICE_FLOW_INTERVAL_MS", 5_000, 500, 600_000),
    SLUICE_FLOW_MAX_AGE_MS: integer("SLUICE_FLOW_MAX_AGE_MS", 30_000, 1_000, 3_600_000),
    SLUICE_FLOW_NO_OUTPUT_MS: integer("SLUICE_FLOW_NO_OUTPUT_MS", 60_000, 1_000, 86_400_000),
    SLUICE_FLOW_CHECKPOINT_MAX_AGE_MS: integer(
      "SLUICE_FLOW_CHECKPOINT_MAX_AGE_MS",
      600_000,
      1_000,
      86_400_000,
    ),
    SLUICE_FLOW_DEAD_LETTER_WINDOW_MS: integer(
      "SLUICE_FLOW_DEAD_LETTER_WINDOW_MS",
      300_000,
      1_000,
      86_400_000,
    ),
    SLUICE_FLOW_MAX_LAG_RECORDS: integer("SLUICE_FLOW_MAX_LAG_RECORDS", 1_000, 0, Number.MAX_SAFE_INTEGER),
    SLUICE_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "SLUICE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.SLUICE_FLOW_MAX_AGE_MS < 2 * env.SLUICE_FLOW_INTERVAL_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["SLUICE_FLOW_MAX_AGE_MS"],
        message: "SLUICE_FLOW_MAX_AGE_MS must be at least twice SLUICE_FLOW_INTERVAL_MS",
      });
    }
    if (env.SLUICE_API_AUTH === "tokens" && parseTokens(env.SLUICE_API_TOKENS).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["SLUICE_API_TOKENS"],
        message:
          "SLUICE_API_TOKENS is required (comma-separated bearer tokens for mutating routes); " +
          "set SLUICE_API_AUTH=none to run without authentication (development only)",
      });
    }
    for (const token of parseTokens(env.SLUICE_API_TOKENS)) {
      if (token.length < 8) {
        ctx.addIssue({
          code: "custom",
          path: ["SLUICE_API_TOKENS"],
          message: "every token in SLUICE_API_TOKENS must be at least 8 characters",
        });
        break;
      }
    }
  });

function parseTokens(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

/** SHA-256 of a token; both sides of a comparison are hashed so they have equal length. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Reads and validates the configuration; throws {@link ConfigError} listing every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  // Empty strings mean "unset" so that `FOO= node server.ts` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? "environment");
        const message = issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
        return { path: variable, code: issue.code, message };
      }),
    );
  }
  const e = parsed.data;
  return {
    port: e.SLUICE_API_PORT,
    host: e.SLUICE_API_HOST,
    flinkRestUrl: e.SLUICE_FLINK_REST_URL,
    sqlGatewayUrl: e.SLUICE_SQL_GATEWAY_URL,
    kafkaBrokers: e.SLUICE_KAFKA_BROKERS,
    dbPath: e.SLUICE_DB_PATH,
    tokenHashes: parseTokens(e.SLUICE_API_TOKENS).map(hashToken),
    authEnabled: e.SLUICE_API_AUTH === "tokens",
    readAuth: e.SLUICE_API_READ_AUTH,
    savepointDir: e.SLUICE_SAVEPOINT_DIR,
    checkpointDir: e.SLUICE_CHECKPOINT_DIR,
    reconcileIntervalMs: e.SLUICE_RECONCILE_INTERVAL_MS,
    bodyLimitBytes: e.SLUICE_API_BODY_LIMIT,
    upgradeVerifyMs: e.SLUICE_UPGRADE_VERIFY_MS,
    submitGraceMs: e.SLUICE_SUBMIT_GRACE_MS,
    operationTimeoutMs: e.SLUICE_OPERATION_TIMEOUT_MS,
    restartLimit: e.SLUICE_RESTART_LIMIT,
    restartBackoffMs: e.SLUICE_RESTART_BACKOFF_MS,
    restartBackoffMaxMs: e.SLUICE_RESTART_BACKOFF_MAX_MS,
    secretEnvPrefix: e.SLUICE_SECRET_ENV_PREFIX,
    logLevel: e.SLUICE_LOG_LEVEL,
    enrichmentTaskTopic: e.SLUICE_ENRICHMENT_TASK_TOPIC,
    themesTotalTopic: e.SLUICE_THEMES_TOTAL_TOPIC,
    themesWindowedTopic: e.SLUICE_THEMES_WINDOWED_TOPIC,
    themesDatabaseUrl: e.SLUICE_THEMES_DATABASE_URL,
    flow: {
      intervalMs: e.SLUICE_FLOW_INTERVAL_MS,
      maxAgeMs: e.SLUICE_FLOW_MAX_AGE_MS,
      noOutputMs: e.SLUICE_FLOW_NO_OUTPUT_MS,
      checkpointMaxAgeMs: e.SLUICE_FLOW_CHECKPOINT_MAX_AGE_MS,
      deadLetterWindowMs: e.SLUICE_FLOW_DEAD_LETTER_WINDOW_MS,
      maxLagRecords: e.SLUICE_FLOW_MAX_LAG_RECORDS,
    },
  };
}
