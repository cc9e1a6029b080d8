import type { FlinkHttpClientOptions } from "./client-base.ts";
import type { ResultColumn, ResultRow } from "./gateway/statements.ts";

/**
 * What the SQL Gateway client takes and returns: sessions, operation handles, results, and the
 * options of its waits and statement sets.
 */

/** An open SQL Gateway session. */
export interface GatewaySession {
  readonly sessionHandle: string;
}

/** A statement submitted in a session. */
export interface OperationHandle {
  readonly sessionHandle: string;
  readonly operationHandle: string;
}

/** Every row of a statement's result (bounded), with the job id when the statement started one. */
export interface StatementResult {
  columns: ResultColumn[];
  rows: ResultRow[];
  /** The Flink job the statement submitted (INSERT, statement set, streaming query). */
  jobId: string | undefined;
  resultKind: string | undefined;
  isQueryResult: boolean;
  /** False when reading stopped at `maxRows` or the time bound before the end of the result. */
  complete: boolean;
}

/** How long the client waits for a statement, and how often it asks. */
export interface PollOptions {
  /** Bound of the whole wait. Default 60 s. */
  timeoutMs?: number;
  /** First delay between two polls; doubles up to `maxPollDelayMs`. Default 50 ms. */
  initialPollDelayMs?: number;
  /** Default 1 s. */
  maxPollDelayMs?: number;
}

export interface FetchOptions extends PollOptions {
  /** Stop reading after this many rows (streaming queries never end). Default 10,000. */
  maxRows?: number;
  /**
   * Keep the operation open when reading stops before the end. By default it
   * is closed, which makes Flink cancel the job behind an unbounded query.
   */
  keepOpen?: boolean;
}

/** Options of `SqlGatewayClient.executeStatementSet`. */
export interface StatementSetOptions extends PollOptions {
  /** Session configuration, e.g. `{"pipeline.name": "sensor-anomalies@3", "execution.state-recovery.path": "file:/..."}`. */
  sets?: Record<string, string>;
  sessionName?: string;
  /**
   * Runs after the session and its set-up statements (DDL), just before the statement that
   * starts the job; if it throws, nothing is executed, the session is closed and the error is
   * passed on. Lets a caller overlap a last check (e.g. "is this job already running?") with
   * the set-up work, which starts no job.
   *
   * @example
   * ```ts
   * await gateway.executeStatementSet(statements, {
   *   beforeExecute: async () => { if (await alreadyRunning()) throw new Error("already running"); },
   * });
   * ```
   */
  beforeExecute?: () => Promise<void>;
}

/** What `SqlGatewayClient.executeStatementSet` submitted. */
export interface SubmittedJob {
  jobId: string;
}

/** Turns rows into objects keyed by column name. */
export function rowsAsObjects(result: Pick<StatementResult, "columns" | "rows">): Record<string, unknown>[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, i) => [column.name, row.fields[i]])),
  );
}

/** `baseUrl` defaults to `http://127.0.0.1:8083`. */
export interface SqlGatewayClientOptions extends FlinkHttpClientOptions {
  /** REST API version prefix. Default `v4` (Flink 2.x). */
  apiVersion?: string;
  /** Defaults of every wait. */
  poll?: PollOptions;
}
