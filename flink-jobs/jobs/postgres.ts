import { type ColumnDef, defineJob, type JobSpec, jdbc, type Table, table } from "@sluice/flink-jobs";

/**
 * Where a flagship job writes (or looks up) rows in PostgreSQL. The tables
 * are created by the stack's migrations (`infra/stack/postgres/*.sql`); the
 * password is a secret resolved only at submission.
 */
export interface PostgresOptions {
  /** JDBC URL (default `jdbc:postgresql://127.0.0.1:5432/sluice`, the local stack's database). */
  url?: string;
  /** Role (default `sluice`). */
  username?: string;
  /** Name of the secret holding the password (default `POSTGRES_PASSWORD`). */
  passwordSecret?: string;
  /** Table names, when not the flagship's defaults (tests use their own). */
  tables?: Record<string, string>;
  /** Rows per batch of the upsert sink (default 500; Flink flushes also on each checkpoint). */
  batchRows?: number;
  /** Longest a row waits in the sink's batch (default `1 s`). */
  batchInterval?: string;
}

export const DEFAULT_POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/sluice";
export const POSTGRES_PASSWORD_SECRET = "POSTGRES_PASSWORD";

function connection(options: PostgresOptions, name: string) {
  return {
    url: options.url ?? DEFAULT_POSTGRES_URL,
    tableName: options.tables?.[name] ?? name,
    username: options.username ?? "sluice",
    password: { secret: options.passwordSecret ?? POSTGRES_PASSWORD_SECRET },
  };
}

/**
 * A results table in PostgreSQL, upserted by its primary key (so a result
 * re-sent after a restart or failover replaces its own row).
 *
 * @example
 * postgresResults("transactions_hourly_pg", "transactions_hourly", columns, ["window_start", "window_end"], {})
 */
export function postgresResults<N extends string, C extends Record<string, ColumnDef>>(
  name: N,
  pgTable: string,
  columns: C,
  primaryKey: (keyof C & string)[],
  options: PostgresOptions,
): Table<N, C> {
  return table(name, columns, {
    primaryKey,
    connector: jdbc({
      ...connection(options, pgTable),
      sinkBuffer: {
        maxRows: options.batchRows ?? 500,
        interval: options.batchInterval ?? "1 s",
        maxRetries: 3,
      },
    }),
  });
}

/** A PostgreSQL dimension table for lookup joins, its rows cached `expireAfterWrite` (default `10 s`). */
export function postgresDimension<N extends string, C extends Record<string, ColumnDef>>(
  name: N,
  pgTable: string,
  columns: C,
  primaryKey: (keyof C & string)[],
  options: PostgresOptions & { cacheExpiry?: string; cacheRows?: number },
): Table<N, C> {
  return table(name, columns, {
    primaryKey,
    connector: jdbc({
      ...connection(options, pgTable),
      lookupCache: { maxRows: options.cacheRows ?? 10_000, expireAfterWrite: options.cacheExpiry ?? "10 s" },
    }),
  });
}

/**
 * Config of a job that writes to PostgreSQL: restarts with an exponential
 * back-off (1 s up to 30 s) and never gives up, so a database that is down
 * for a while makes the job restart (shown in its state and exceptions) and
 * the sink catch up once the database answers again, instead of the stack's
 * fixed-delay strategy failing the job after three attempts.
 */
export const POSTGRES_JOB_CONFIG = {
  "restart-strategy.type": "exponential-delay",
  "restart-strategy.exponential-delay.initial-backoff": "1 s",
  "restart-strategy.exponential-delay.max-backoff": "30 s",
} as const;

/** `spec` with {@link POSTGRES_JOB_CONFIG} added to its config, when `postgres` is set. */
export function withPostgresRestarts(spec: JobSpec, postgres: unknown): JobSpec {
  if (postgres === undefined) return spec;
  return defineJob({ ...spec, config: { ...spec.config, ...POSTGRES_JOB_CONFIG } });
}
