import { readFileSync } from "node:fs";
import { type EnrichmentTask, enrichmentTaskSchema } from "@sluice/flink-jobs";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import type { KafkaSettings } from "./kafka/index.ts";

/** Everything the enricher needs to run; `configFromEnv` builds it from the environment. */
export interface EnricherConfig {
  kafka: KafkaSettings;
  openai: {
    baseURL: string;
    /** Never logged, never returned. */
    apiKey: string;
    /** Overrides each task's model when set (e.g. a local server with its own names). */
    model?: string;
    requestTimeoutMs: number;
  };
  batch: { maxRecords: number; maxTokens: number };
  concurrency: { min: number; max: number; initial: number };
  retry: { baseMs: number; maxDelayMs: number; totalMs: number };
  /** Compacted topic of `EnrichmentTask`s keyed by id; ignored when `staticTask` is set. */
  taskTopic: string;
  /** A single task from ENRICHER_TASK / ENRICHER_TASK_FILE, for simple deployments. */
  staticTask?: EnrichmentTask;
  /** Consumer group prefix: the group of a task is `<groupId>.<task id>`. */
  groupId: string;
  transactionalIdPrefix: string;
  cache: { topic: string; maxEntries: number };
  /** Most records per transaction. */
  chunkSize: number;
  partitionsConcurrently: number;
  http: { host: string; port: number };
  lagIntervalMs: number;
  logLevel: "error" | "warn" | "info" | "debug";
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/u, { error: `expected a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const brokerList = z
  .string()
  .trim()
  .transform((s) =>
    s
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b !== ""),
  )
  .pipe(
    z
      .array(z.string().regex(/^[\w.-]+:\d{1,5}$/u, { error: "expected host:port" }))
      .min(1, { error: "expected at least one host:port" }),
  );

const topicName = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/u, { error: "expected a Kafka topic name ([a-zA-Z0-9._-], 1-249 chars)" });

const envSchema = z.object({
  KAFKA_BROKERS: brokerList.default(["127.0.0.1:9092"]),
  KAFKA_CLIENT_ID: z.string().trim().min(1).default("sluice-enricher"),
  KAFKA_SESSION_TIMEOUT_MS: int(6000, 300_000).default(30_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: int(100, 60_000).default(3000),
  KAFKA_REBALANCE_TIMEOUT_MS: int(1000, 600_000).default(60_000),
  KAFKA_TRANSACTION_TIMEOUT_MS: int(1000, 900_000).default(60_000),
  OPENAI_BASE_URL: z
    .url({ protocol: /^https?$/u, error: "expected an http(s) URL" })
    .default("https://api.openai.com/v1"),
  OPENAI_API_KEY: z
    .string({ error: "is required (any value for a local model server)" })
    .min(1, { error: "must not be empty" }),
  ENRICHER_MODEL: z.string().trim().min(1).optional(),
  ENRICHER_REQUEST_TIMEOUT_MS: int(100, 600_000).default(60_000),
  ENRICHER_BATCH_SIZE: int(1, 500).default(20),
  ENRICHER_MAX_BATCH_TOKENS: int(300, 1_000_000).default(8000),
  ENRICHER_MIN_CONCURRENCY: int(1, 1024).default(1),
  ENRICHER_MAX_CONCURRENCY: int(1, 1024).default(16),
  ENRICHER_INITIAL_CONCURRENCY: int(1, 1024).optional(),
  ENRICHER_RETRY_BASE_MS: int(1, 60_000).default(250),
  ENRICHER_RETRY_MAX_DELAY_MS: int(1, 600_000).default(20_000),
  ENRICHER_RETRY_TOTAL_MS: int(1, 3_600_000).default(120_000),
  ENRICHER_TASK_TOPIC: topicName.default("sluice.enrichment-tasks"),
  ENRICHER_TASK: z.string().optional(),
  ENRICHER_TASK_FILE: z.string().optional(),
  ENRICHER_GROUP_ID: z.string().trim().min(1).default("sluice-enricher"),
  ENRICHER_TRANSACTIONAL_ID_PREFIX: z.string().trim().min(1).default("sluice-enricher"),
  ENRICHER_CACHE_TOPIC: topicName.default("sluice.enricher.cache"),
  ENRICHER_CACHE_MAX_ENTRIES: int(1, 100_000_000).default(100_000),
  ENRICHER_CHUNK_SIZE: int(1, 10_000).default(500),
  ENRICHER_PARTITIONS_CONCURRENTLY: int(1, 256).default(4),
  ENRICHER_HTTP_HOST: z.string().trim().min(1).default("0.0.0.0"),
  ENRICHER_HTTP_PORT: int(0, 65_535).default(9464),
  ENRICHER_LAG_INTERVAL_MS: int(100, 3_600_000).default(10_000),
  ENRICHER_LOG_LEVEL: z.enum(["error", "warn", "info", "debug"]).default("info"),
});

function describe(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>) {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? "");
    const raw = env[name];
    // Never echo the key, even when it is the bad value.
    const shown =
      name === "OPENAI_API_KEY" || raw === undefined ? "" : ` (got ${JSON.stringify(raw.slice(0, 80))})`;
    return `${name}: ${issue.message}${shown}`;
  });
}

function parseTask(json: string, source: string): EnrichmentTask {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError([`${source}: not valid JSON (${(error as Error).message})`]);
  }
  const task = enrichmentTaskSchema.safeParse(value);
  if (!task.success) {
    throw new ConfigError(
      task.error.issues.map((i) => `${source}: ${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  return task.data;
}

type ParsedEnv = z.infer<typeof envSchema>;

/** Settings that are valid alone but not together. */
function checkCombinations(e: ParsedEnv): void {
  const problems: string[] = [];
  if (e.ENRICHER_MIN_CONCURRENCY > e.ENRICHER_MAX_CONCURRENCY) {
    problems.push("ENRICHER_MIN_CONCURRENCY: must not exceed ENRICHER_MAX_CONCURRENCY");
  }
  if (e.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > e.KAFKA_SESSION_TIMEOUT_MS) {
    problems.push("KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS");
  }
  if (e.ENRICHER_TASK && e.ENRICHER_TASK_FILE) {
    problems.push("ENRICHER_TASK and ENRICHER_TASK_FILE: set at most one");
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The task of ENRICHER_TASK or ENRICHER_TASK_FILE, if one is set. */
function readStaticTask(e: ParsedEnv): EnrichmentTask | undefined {
  if (e.ENRICHER_TASK) return parseTask(e.ENRICHER_TASK, "ENRICHER_TASK");
  if (!e.ENRICHER_TASK_FILE) return undefined;
  let text: string;
  try {
    text = readFileSync(e.ENRICHER_TASK_FILE, "utf8");
  } catch (error) {
    throw new ConfigError([
      `ENRICHER_TASK_FILE: cannot read ${e.ENRICHER_TASK_FILE} (${(error as NodeJS.ErrnoException).code})`,
    ]);
  }
  return parseTask(text, "ENRICHER_TASK_FILE");
}

/**
 * Reads and validates the configuration. `SLUICE_KAFKA_BROKERS` is accepted for
 * `KAFKA_BROKERS` (the dev stack's name). Empty strings count as unset.
 *
 * @example configFromEnv({ OPENAI_API_KEY: "sk-...", ENRICHER_TASK_FILE: "task.json" })
 */
export function configFromEnv(rawEnv: Record<string, string | undefined> = process.env): EnricherConfig {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(rawEnv)) if (v !== undefined && v !== "") env[k] = v;
  env.KAFKA_BROKERS ??= env.SLUICE_KAFKA_BROKERS;
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describe(parsed.error.issues, env));
  const e = parsed.data;
  checkCombinations(e);
  const staticTask = readStaticTask(e);
  const clamp = (n: number) => Math.min(e.ENRICHER_MAX_CONCURRENCY, Math.max(e.ENRICHER_MIN_CONCURRENCY, n));
  return {
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: e.KAFKA_HEARTBEAT_INTERVAL_MS,
      rebalanceTimeoutMs: e.KAFKA_REBALANCE_TIMEOUT_MS,
      transactionTimeoutMs: e.KAFKA_TRANSACTION_TIMEOUT_MS,
    },
    openai: {
      baseURL: e.OPENAI_BASE_URL,
      apiKey: e.OPENAI_API_KEY,
      ...(e.ENRICHER_MODEL ? { model: e.ENRICHER_MODEL } : {}),
      requestTimeoutMs: e.ENRICHER_REQUEST_TIMEOUT_MS,
    },
    batch: { maxRecords: e.ENRICHER_BATCH_SIZE, maxTokens: e.ENRICHER_MAX_BATCH_TOKENS },
    concurrency: {
      min: e.ENRICHER_MIN_CONCURRENCY,
      max: e.ENRICHER_MAX_CONCURRENCY,
      initial: clamp(e.ENRICHER_INITIAL_CONCURRENCY ?? 4),
    },
    retry: {
      baseMs: e.ENRICHER_RETRY_BASE_MS,
      maxDelayMs: e.ENRICHER_RETRY_MAX_DELAY_MS,
      totalMs: e.ENRICHER_RETRY_TOTAL_MS,
    },
    taskTopic: e.ENRICHER_TASK_TOPIC,
    ...(staticTask ? { staticTask } : {}),
    groupId: e.ENRICHER_GROUP_ID,
    transactionalIdPrefix: e.ENRICHER_TRANSACTIONAL_ID_PREFIX,
    cache: { topic: e.ENRICHER_CACHE_TOPIC, maxEntries: e.ENRICHER_CACHE_MAX_ENTRIES },
    chunkSize: e.ENRICHER_CHUNK_SIZE,
    partitionsConcurrently: e.ENRICHER_PARTITIONS_CONCURRENTLY,
    http: { host: e.ENRICHER_HTTP_HOST, port: e.ENRICHER_HTTP_PORT },
    lagIntervalMs: e.ENRICHER_LAG_INTERVAL_MS,
    logLevel: e.ENRICHER_LOG_LEVEL,
  };
}
