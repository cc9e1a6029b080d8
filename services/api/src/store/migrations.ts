import type { DatabaseSync } from "node:sqlite";

/**
 * Versioned schema migrations of the job store. Each runs once, in order, inside a
 * transaction, and is recorded in `schema_migrations`. Never edit a released migration: add
 * the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Columns every per-job log table starts with (savepoints, operations, events). */
const LOG_KEY_COLUMNS = `id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_name TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, versions, runs, savepoints, operations, events",
    sql: `
      CREATE TABLE jobs (
        name             TEXT PRIMARY KEY,
        desired_state    TEXT NOT NULL CHECK (desired_state IN ('RUNNING', 'STOPPED')),
        current_version  INTEGER NOT NULL,
        restart_attempts INTEGER NOT NULL DEFAULT 0,
        next_restart_at  INTEGER,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      );

      -- One row per accepted spec. compiled_json holds SQL with \${secret:NAME} placeholders,
      -- never resolved secrets.
      CREATE TABLE versions (
        job_name      TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
        version       INTEGER NOT NULL,
        spec_json     TEXT NOT NULL,
        spec_hash     TEXT NOT NULL,
        compiled_json TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'rejected')),
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (job_name, version)
      );

      -- Every Flink job Sluice started (or adopted), with the version it runs.
      CREATE TABLE runs (
        flink_job_id   TEXT PRIMARY KEY,
        job_name       TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
        version        INTEGER NOT NULL,
        restored_from  TEXT,
        operation_id   INTEGER,
        submitted_at   INTEGER NOT NULL,
        -- last Flink state seen, only to notice changes (the shown state is derived, not stored)
        last_seen_state TEXT
      );
      CREATE INDEX runs_by_job ON runs(job_name, submitted_at);

      CREATE TABLE savepoints (
        ${LOG_KEY_COLUMNS},
        version       INTEGER NOT NULL,
        flink_job_id  TEXT NOT NULL,
        path          TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('savepoint', 'checkpoint')),
        reason        TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        UNIQUE (job_name, path)
      );

      -- Operations are recorded BEFORE acting so that a crash mid-way is resumed at restart.
      CREATE TABLE operations (
        ${LOG_KEY_COLUMNS},
        kind         TEXT NOT NULL,
        params_json  TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
        progress_json TEXT NOT NULL DEFAULT '{}',
        error        TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        finished_at  INTEGER
      );
      CREATE INDEX operations_by_job ON operations(job_name, id);

      CREATE TABLE events (
        ${LOG_KEY_COLUMNS},
        at        INTEGER NOT NULL,
        type      TEXT NOT NULL,
        message   TEXT NOT NULL,
        data_json TEXT
      );
      CREATE INDEX events_by_job ON events(job_name, id);
    `,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction
 * (`inTransaction`), in version order; returns the versions applied.
 */
export function applyMigrations(
  db: DatabaseSync,
  migrations: readonly Migration[],
  inTransaction: (fn: () => void) => void,
): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const applied = new Set(
    db
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((r) => Number(r.version)),
  );
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    inTransaction(() => {
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        Date.now(),
      );
    });
    done.push(migration.version);
  }
  return done;
}
