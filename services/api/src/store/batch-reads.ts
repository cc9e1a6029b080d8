import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { OperationRecord } from "./operation-records.ts";
import { type JobRecord, type Row, type RunRecord, toJob, toOperation, toRun } from "./records.ts";
import { StatementCache } from "./statement-cache.ts";
import type { JobStore } from "./store.ts";

/**
 * Reads of many jobs at once: one query per kind of record for a list of jobs, instead of one
 * query per job (the N+1 pattern that made a pass and `GET /v1/jobs` cost a few SQLite reads per
 * job, bench/control-plane). The job names go in as one JSON array (`json_each`), so each query
 * is prepared once whatever the number of jobs.
 *
 * @example
 * latestRuns(store, ["orders", "clicks"]).get("orders")?.flinkJobId;
 */

const caches = new WeakMap<DatabaseSync, StatementCache>();

function rows(store: JobStore, sql: string, ...params: SQLInputValue[]): Row[] {
  let cache = caches.get(store.db);
  if (!cache) {
    cache = new StatementCache(store.db);
    caches.set(store.db, cache);
  }
  return cache.get(sql).all(...params) as Row[];
}

const NAMES = "SELECT value FROM json_each(?)";

/** A page of jobs by name: the first `limit` after `after` (from the start when undefined). */
export function jobPage(store: JobStore, after: string | undefined, limit: number): JobRecord[] {
  return rows(store, "SELECT * FROM jobs WHERE name > ? ORDER BY name LIMIT ?", after ?? "", limit).map(
    toJob,
  );
}

/** The newest run of each job that has one (as {@link JobStore.latestRun}). */
export function latestRuns(store: JobStore, names: readonly string[]): Map<string, RunRecord> {
  const found = rows(
    store,
    `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY job_name ORDER BY submitted_at DESC, rowid DESC) AS newest
       FROM runs WHERE job_name IN (${NAMES})) WHERE newest = 1 ORDER BY job_name`,
    JSON.stringify(names),
  );
  return new Map(found.map((row) => [String(row.job_name), toRun(row)]));
}

/** The unfinished operation of each job that has one (as {@link JobStore.activeOperation}). */
export function activeOperations(store: JobStore, names: readonly string[]): Map<string, OperationRecord> {
  const found = rows(
    store,
    `SELECT * FROM operations WHERE id IN (SELECT MIN(id) FROM operations
       WHERE job_name IN (${NAMES}) AND status IN ('pending', 'running') GROUP BY job_name)`,
    JSON.stringify(names),
  );
  return new Map(found.map((row) => [String(row.job_name), toOperation(row)]));
}

/** The most recent operation of each job that has one (as {@link JobStore.lastOperation}). */
export function lastOperations(store: JobStore, names: readonly string[]): Map<string, OperationRecord> {
  const found = rows(
    store,
    `SELECT * FROM operations WHERE id IN (SELECT MAX(id) FROM operations WHERE job_name IN (${NAMES}) GROUP BY job_name)`,
    JSON.stringify(names),
  );
  return new Map(found.map((row) => [String(row.job_name), toOperation(row)]));
}

/**
 * The specs of the given versions, keyed `<job>@<version>`, without their compiled SQL (a spec is
 * a fraction of a version's stored JSON): for what is derived from a spec alone, e.g. its slots.
 */
export function versionSpecs(
  store: JobStore,
  versions: ReadonlyArray<{ jobName: string; version: number }>,
): Map<string, unknown> {
  const found = rows(
    store,
    `SELECT job_name, version, spec_json FROM versions WHERE (job_name, version) IN
       (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
    JSON.stringify(versions.map((v) => [v.jobName, v.version])),
  );
  return new Map(found.map((row) => [`${row.job_name}@${row.version}`, JSON.parse(String(row.spec_json))]));
}
