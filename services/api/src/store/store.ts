import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { CompiledJobLike, JobSpecLike } from "../compiler/port.ts";
import { applyMigrations, MIGRATIONS, type Migration } from "./migrations.ts";
import {
  checkOperationParams,
  type OperationKind,
  type OperationParamsOf,
  type OperationRecord,
  type OperationStatus,
} from "./operation-records.ts";
import {
  type DesiredState,
  type EventRecord,
  type JobRecord,
  type Row,
  type RunRecord,
  type SavepointRecord,
  toEvent,
  toJob,
  toOperation,
  toRun,
  toSavepoint,
  toVersion,
  type VersionRecord,
} from "./records.ts";
import { StatementCache } from "./statement-cache.ts";

export type { OperationKind, OperationRecord, OperationStatus } from "./operation-records.ts";
export type {
  DesiredState,
  EventRecord,
  JobRecord,
  RunRecord,
  SavepointRecord,
  VersionRecord,
} from "./records.ts";

/**
 * The job store: jobs, spec versions, Flink runs, savepoints, operations and the event log, in
 * one SQLite file (`node:sqlite`, WAL mode, so a crash loses at most the transaction in flight).
 * All methods are synchronous: SQLite answers in microseconds and synchronous calls cannot
 * interleave, which keeps "record, then act" simple.
 *
 * @example
 * ```ts
 * const store = JobStore.open(":memory:");
 * store.createJob({ name: "orders", spec, specHash, compiled, desiredState: "RUNNING" }, Date.now());
 * ```
 */
export class JobStore {
  readonly db: DatabaseSync;

  /** Reads prepare each query once (see {@link StatementCache}). */
  private readonly statements: StatementCache;

  private constructor(db: DatabaseSync) {
    this.db = db;
    this.statements = new StatementCache(db);
  }

  /** Opens (creating the directory and file if needed) and migrates the store. */
  static open(path: string, migrations: readonly Migration[] = MIGRATIONS): JobStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    // WAL with NORMAL: a commit is durable once written to the WAL, which survives a crash or kill
    // of the process (what the crash tests exercise); only a power loss or OS crash can lose the
    // last transactions (the file stays consistent). Saves an fsync per commit (~2 ms per submission).
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA busy_timeout = 5000");
    const store = new JobStore(db);
    store.migrate(migrations);
    return store;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Applies the migrations not yet recorded in `schema_migrations`; returns the versions applied. */
  migrate(migrations: readonly Migration[] = MIGRATIONS): number[] {
    return applyMigrations(this.db, migrations, (fn) => this.transaction(fn));
  }

  schemaVersion(): number {
    return Number(this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()?.v ?? 0);
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    if (this.db.isTransaction) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  ping(): void {
    this.db.prepare("SELECT 1").get();
  }

  // ---- jobs ---------------------------------------------------------------------------------

  getJob(name: string): JobRecord | undefined {
    return this.one(toJob, "SELECT * FROM jobs WHERE name = ?", name);
  }

  listJobs(): JobRecord[] {
    return this.many(toJob, "SELECT * FROM jobs ORDER BY name");
  }

  /** Inserts a job with its first version; returns version 1. */
  createJob(
    input: {
      name: string;
      spec: JobSpecLike;
      specHash: string;
      compiled: CompiledJobLike;
      desiredState: DesiredState;
    },
    now: number,
  ): VersionRecord {
    return this.transaction(() => {
      this.db
        .prepare(
          "INSERT INTO jobs (name, desired_state, current_version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)",
        )
        .run(input.name, input.desiredState, now, now);
      return this.addVersion(input.name, input.spec, input.specHash, input.compiled, now);
    });
  }

  /** The version the next {@link addVersion} of this job will get (1 for a new job). */
  nextVersion(name: string): number {
    const row = this.db
      .prepare("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM versions WHERE job_name = ?")
      .get(name);
    return Number(row?.v ?? 1);
  }

  /**
   * Records the next version of a job. A `spec.version` (what it was compiled with) must be that
   * version: the compiled SQL carries it (consumer group ids).
   */
  addVersion(
    name: string,
    spec: JobSpecLike,
    specHash: string,
    compiled: CompiledJobLike,
    now: number,
  ): VersionRecord {
    const version = this.nextVersion(name);
    if (spec.version !== undefined && spec.version !== version) {
      throw new Error(
        `${name}: the spec was compiled as version ${spec.version} but the next version is ${version}`,
      );
    }
    const stored = { ...spec, version };
    this.db
      .prepare(
        "INSERT INTO versions (job_name, version, spec_json, spec_hash, compiled_json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(name, version, JSON.stringify(stored), specHash, JSON.stringify(compiled), now);
    return { jobName: name, version, spec: stored, specHash, compiled, status: "accepted", createdAt: now };
  }

  updateJob(
    name: string,
    patch: Partial<Pick<JobRecord, "desiredState" | "currentVersion" | "restartAttempts" | "nextRestartAt">>,
    now: number,
  ): void {
    const columns: Record<string, SQLInputValue> = {};
    if (patch.desiredState !== undefined) columns.desired_state = patch.desiredState;
    if (patch.currentVersion !== undefined) columns.current_version = patch.currentVersion;
    if (patch.restartAttempts !== undefined) columns.restart_attempts = patch.restartAttempts;
    if (patch.nextRestartAt !== undefined) columns.next_restart_at = patch.nextRestartAt;
    columns.updated_at = now;
    this.update("jobs", columns, "name", name);
  }

  /** Removes a job and everything recorded about it. */
  deleteJob(name: string): void {
    this.db.prepare("DELETE FROM jobs WHERE name = ?").run(name);
  }

  // ---- versions -----------------------------------------------------------------------------

  getVersion(name: string, version: number): VersionRecord | undefined {
    return this.one(toVersion, "SELECT * FROM versions WHERE job_name = ? AND version = ?", name, version);
  }

  listVersions(name: string): VersionRecord[] {
    return this.many(toVersion, "SELECT * FROM versions WHERE job_name = ? ORDER BY version", name);
  }

  markVersionRejected(name: string, version: number): void {
    this.db
      .prepare("UPDATE versions SET status = 'rejected' WHERE job_name = ? AND version = ?")
      .run(name, version);
  }

  /** Every accepted version of every job (for the enrichment task listing). */
  currentVersions(): VersionRecord[] {
    return this.many(
      toVersion,
      "SELECT v.* FROM versions v JOIN jobs j ON j.name = v.job_name AND j.current_version = v.version ORDER BY v.job_name",
    );
  }

  // ---- runs ---------------------------------------------------------------------------------

  recordRun(run: Omit<RunRecord, "lastSeenState">): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO runs (flink_job_id, job_name, version, restored_from, operation_id, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(run.flinkJobId, run.jobName, run.version, run.restoredFrom, run.operationId, run.submittedAt);
  }

  listRuns(name: string): RunRecord[] {
    return this.many(
      toRun,
      "SELECT * FROM runs WHERE job_name = ? ORDER BY submitted_at DESC, rowid DESC",
      name,
    );
  }

  latestRun(name: string): RunRecord | undefined {
    return this.listRuns(name)[0];
  }

  getRun(flinkJobId: string): RunRecord | undefined {
    return this.one(toRun, "SELECT * FROM runs WHERE flink_job_id = ?", flinkJobId);
  }

  setRunSeenState(flinkJobId: string, state: string): void {
    this.update("runs", { last_seen_state: state }, "flink_job_id", flinkJobId);
  }

  /**
   * Re-labels a run with a newer version of its job: a change the Flink job does not see (only
   * descriptions differ) is applied without stopping it.
   */
  setRunVersion(flinkJobId: string, version: number): void {
    this.update("runs", { version }, "flink_job_id", flinkJobId);
  }

  // ---- savepoints ---------------------------------------------------------------------------

  addSavepoint(sp: Omit<SavepointRecord, "id">): SavepointRecord {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO savepoints (job_name, version, flink_job_id, path, kind, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(sp.jobName, sp.version, sp.flinkJobId, sp.path, sp.kind, sp.reason, sp.createdAt);
    const recorded = this.findSavepoint(sp.jobName, sp.path);
    if (!recorded) throw new Error(`savepoint ${sp.path} of ${sp.jobName} was not recorded`);
    return recorded;
  }

  listSavepoints(name: string): SavepointRecord[] {
    return this.many(
      toSavepoint,
      "SELECT * FROM savepoints WHERE job_name = ? ORDER BY created_at DESC, id DESC",
      name,
    );
  }

  findSavepoint(name: string, path: string): SavepointRecord | undefined {
    return this.one(toSavepoint, "SELECT * FROM savepoints WHERE job_name = ? AND path = ?", name, path);
  }

  // ---- operations ---------------------------------------------------------------------------

  /** Records an operation, pending; `params` are checked against the kind's schema first. */
  addOperation<K extends OperationKind>(
    name: string,
    kind: K,
    params: OperationParamsOf<K>,
    now: number,
  ): OperationRecord {
    checkOperationParams(kind, params);
    const result = this.db
      .prepare(
        "INSERT INTO operations (job_name, kind, params_json, status, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)",
      )
      .run(name, kind, JSON.stringify(params), now, now);
    const id = Number(result.lastInsertRowid);
    const recorded = this.getOperation(id);
    if (!recorded) throw new Error(`operation ${id} of ${name} was not recorded`);
    return recorded;
  }

  getOperation(id: number): OperationRecord | undefined {
    return this.one(toOperation, "SELECT * FROM operations WHERE id = ?", id);
  }

  /** The job's unfinished operation (at most one exists: routes refuse a second). */
  activeOperation(name: string): OperationRecord | undefined {
    return this.one(
      toOperation,
      "SELECT * FROM operations WHERE job_name = ? AND status IN ('pending', 'running') ORDER BY id LIMIT 1",
      name,
    );
  }

  lastOperation(name: string): OperationRecord | undefined {
    return this.one(
      toOperation,
      "SELECT * FROM operations WHERE job_name = ? ORDER BY id DESC LIMIT 1",
      name,
    );
  }

  listOperations(name: string, limit = 20): OperationRecord[] {
    return this.many(
      toOperation,
      "SELECT * FROM operations WHERE job_name = ? ORDER BY id DESC LIMIT ?",
      name,
      limit,
    );
  }

  updateOperation(
    id: number,
    patch: { status?: OperationStatus; progress?: OperationRecord["progress"]; error?: string | null },
    now: number,
  ): void {
    const columns: Record<string, SQLInputValue> = { updated_at: now };
    if (patch.status !== undefined) {
      columns.status = patch.status;
      if (patch.status === "succeeded" || patch.status === "failed") columns.finished_at = now;
    }
    if (patch.progress !== undefined) columns.progress_json = JSON.stringify(patch.progress);
    if (patch.error !== undefined) columns.error = patch.error;
    this.update("operations", columns, "id", id);
  }

  /** `UPDATE <table> SET <columns> WHERE <key> = ?` (table and column names are this file's own). */
  private update(
    table: string,
    columns: Record<string, SQLInputValue>,
    key: string,
    value: SQLInputValue,
  ): void {
    const names = Object.keys(columns);
    this.db
      .prepare(`UPDATE ${table} SET ${names.map((k) => `${k} = ?`).join(", ")} WHERE ${key} = ?`)
      .run(...names.map((k) => columns[k] as SQLInputValue), value);
  }

  /** The first row of a query, parsed; `undefined` when there is none. */
  private one<T>(parse: (row: Row) => T, sql: string, ...params: SQLInputValue[]): T | undefined {
    const row = this.statements.get(sql).get(...params);
    return row ? parse(row) : undefined;
  }

  /** Every row of a query, parsed. */
  private many<T>(parse: (row: Row) => T, sql: string, ...params: SQLInputValue[]): T[] {
    return this.statements
      .get(sql)
      .all(...params)
      .map(parse);
  }

  // ---- events -------------------------------------------------------------------------------

  addEvent(
    name: string,
    type: string,
    message: string,
    data: Record<string, unknown> | null,
    now: number,
  ): void {
    this.db
      .prepare("INSERT INTO events (job_name, at, type, message, data_json) VALUES (?, ?, ?, ?, ?)")
      .run(name, now, type, message, data === null ? null : JSON.stringify(data));
  }

  /** Events of a job, oldest first, after the given event id. */
  listEvents(name: string, options: { after?: number; limit?: number } = {}): EventRecord[] {
    return this.many(
      toEvent,
      "SELECT * FROM events WHERE job_name = ? AND id > ? ORDER BY id LIMIT ?",
      name,
      options.after ?? 0,
      options.limit ?? 100,
    );
  }
}
