import { FlinkHttpClient } from "./client-base.ts";
import { FlinkClientError } from "./errors.ts";
import { type ApiVersions, type GatewayInfo, getApiVersions, getGatewayInfo } from "./gateway/info.ts";
import * as sessions from "./gateway/sessions.ts";
import * as statements from "./gateway/statements.ts";
import type {
  FetchOptions,
  GatewaySession,
  OperationHandle,
  PollOptions,
  SqlGatewayClientOptions,
  StatementResult,
  StatementSetOptions,
  SubmittedJob,
} from "./gateway-types.ts";
import { type ExplainDetail, explainStatement, planStatementSet } from "./statement-set.ts";

/**
 * A typed client for the Flink SQL Gateway REST API (v4).
 *
 * The client never logs, and never puts statement text in its errors; a Flink
 * message may quote SQL, so pass `redact` to mask what must not leave.
 *
 * @example
 * ```ts
 * const gateway = new SqlGatewayClient({ baseUrl: "http://127.0.0.1:8083" });
 * const { jobId } = await gateway.executeStatementSet(
 *   ["CREATE TABLE src (...) WITH ('connector' = 'kafka', ...)", "CREATE TABLE dst (...) WITH (...)",
 *    "INSERT INTO dst SELECT * FROM src WHERE temperature > 100"],
 *   { sets: { "pipeline.name": "sensor-anomalies@1" } },
 * );
 * ```
 */
export class SqlGatewayClient extends FlinkHttpClient {
  readonly apiVersion: string;
  readonly #poll: Required<PollOptions>;

  constructor(options: SqlGatewayClientOptions = {}) {
    super(options, "http://127.0.0.1:8083");
    this.apiVersion = options.apiVersion ?? "v4";
    this.#poll = {
      timeoutMs: options.poll?.timeoutMs ?? 60_000,
      initialPollDelayMs: options.poll?.initialPollDelayMs ?? 50,
      maxPollDelayMs: options.poll?.maxPollDelayMs ?? 1_000,
    };
  }

  /** Product and version, e.g. `{ productName: "Apache Flink", version: "2.2.0" }`. */
  info(): Promise<GatewayInfo> {
    return this.call(() => getGatewayInfo(this.http, this.apiVersion), true);
  }

  /** REST API versions the gateway speaks, e.g. `{ versions: ["V1", "V2", "V3", "V4"] }`. */
  apiVersions(): Promise<ApiVersions> {
    return this.call(() => getApiVersions(this.http), true);
  }

  /**
   * Opens a session; `properties` are its configuration.
   *
   * @example
   * ```ts
   * const session = await gateway.openSession({ "execution.runtime-mode": "batch" });
   * ```
   */
  async openSession(
    properties?: Record<string, string>,
    options: { sessionName?: string } = {},
  ): Promise<GatewaySession> {
    const sessionHandle = await this.call(
      () =>
        sessions.openSession(this.http, this.apiVersion, { properties, sessionName: options.sessionName }),
      false,
    );
    return { sessionHandle };
  }

  /** Closes a session and every operation in it. */
  closeSession(session: GatewaySession): Promise<void> {
    return this.call(() => sessions.closeSession(this.http, this.apiVersion, session.sessionHandle), true);
  }

  heartbeat(session: GatewaySession): Promise<void> {
    return this.call(() => sessions.heartbeat(this.http, this.apiVersion, session.sessionHandle), true);
  }

  /** The session's effective configuration. */
  sessionConfig(session: GatewaySession): Promise<Record<string, string>> {
    return this.call(
      () => sessions.getSessionConfig(this.http, this.apiVersion, session.sessionHandle),
      true,
    );
  }

  /**
   * Submits one statement; returns at once with its operation handle.
   *
   * @example
   * ```ts
   * const op = await gateway.executeStatement(session, "SHOW TABLES");
   * const { rows } = await gateway.fetchAllResults(op);
   * ```
   */
  async executeStatement(
    session: GatewaySession,
    sql: string,
    options: statements.ExecuteStatementOptions = {},
  ): Promise<OperationHandle> {
    const operationHandle = await this.call(
      () => statements.submitStatement(this.http, this.apiVersion, session.sessionHandle, sql, options),
      false,
    );
    return { sessionHandle: session.sessionHandle, operationHandle };
  }

  /** The operation's current state. */
  operationStatus(operation: OperationHandle): Promise<statements.OperationState> {
    return this.call(
      () => statements.operationRequest(this.http, this.apiVersion, operation, "status"),
      true,
    );
  }

  cancelOperation(operation: OperationHandle): Promise<statements.OperationState> {
    return this.call(
      () => statements.operationRequest(this.http, this.apiVersion, operation, "cancel"),
      true,
    );
  }

  closeOperation(operation: OperationHandle): Promise<statements.OperationState> {
    return this.call(() => statements.operationRequest(this.http, this.apiVersion, operation, "close"), true);
  }

  /** One result page: a token for the first (`0`) or the previous page's `nextResultUri`. */
  fetchResultPage(operation: OperationHandle, resultUri: number | string): Promise<statements.ResultPage> {
    return this.call(
      () =>
        statements.fetchResultPage(
          this.http,
          this.apiVersion,
          operation.sessionHandle,
          operation.operationHandle,
          resultUri,
        ),
      true,
    );
  }

  /**
   * Waits until the operation leaves RUNNING/PENDING. ERROR becomes SQL_ERROR
   * with Flink's message (read from the result endpoint, which carries it);
   * CANCELED, CLOSED and TIMEOUT become OPERATION_FAILED.
   */
  async waitForOperation(
    operation: OperationHandle,
    options: PollOptions = {},
  ): Promise<statements.OperationState> {
    const poll = { ...this.#poll, ...options };
    const deadline = this.env.now() + poll.timeoutMs;
    let delay = poll.initialPollDelayMs;
    for (;;) {
      const state = await this.operationStatus(operation);
      if (state === "FINISHED") return state;
      if (state === "ERROR") {
        // The status endpoint only says ERROR; the result endpoint throws the statement's exception.
        await this.fetchResultPage(operation, 0);
        throw new FlinkClientError("SQL_ERROR", "The statement failed (Flink gave no message)");
      }
      if (state === "CANCELED" || state === "CLOSED" || state === "TIMEOUT") {
        throw new FlinkClientError("OPERATION_FAILED", `The operation ended as ${state}`);
      }
      delay = await this.#pause(deadline, delay, poll, "operation to finish");
    }
  }

  /** Sleeps before the next poll, or throws FLINK_TIMEOUT when the next poll would be past the deadline. */
  async #pause(deadline: number, delay: number, poll: Required<PollOptions>, what: string): Promise<number> {
    const remaining = deadline - this.env.now();
    if (remaining <= 0) {
      throw new FlinkClientError(
        "FLINK_TIMEOUT",
        `Gave up waiting for the ${what} after ${poll.timeoutMs} ms`,
        {
          url: this.http.baseUrl,
          retryable: false,
        },
      );
    }
    await this.env.sleep(Math.min(delay, remaining));
    return Math.min(delay * 2, poll.maxPollDelayMs);
  }

  /**
   * Reads every page of a result, following `nextResultUri`, backing off while
   * the gateway says NOT_READY, until EOS, `maxRows` or the time bound.
   *
   * @example
   * ```ts
   * const result = await gateway.fetchAllResults(op, { maxRows: 100 });
   * rowsAsObjects(result); // [{ device_id: "d-1", temperature: 101.5 }, ...]
   * ```
   */
  async fetchAllResults(operation: OperationHandle, options: FetchOptions = {}): Promise<StatementResult> {
    const result = await this.#readPages(operation, options);
    if (!result.complete && !options.keepOpen) {
      await this.closeOperation(operation).catch(() => undefined);
    }
    return result;
  }

  async #readPages(operation: OperationHandle, options: FetchOptions): Promise<StatementResult> {
    const poll = { ...this.#poll, ...options };
    const maxRows = options.maxRows ?? 10_000;
    const deadline = this.env.now() + poll.timeoutMs;
    const result: StatementResult = {
      columns: [],
      rows: [],
      jobId: undefined,
      resultKind: undefined,
      isQueryResult: false,
      complete: false,
    };
    let next: number | string | undefined = 0;
    let delay = poll.initialPollDelayMs;
    while (next !== undefined) {
      const page = await this.fetchResultPage(operation, next);
      if (page.resultType === "NOT_READY") {
        next = page.nextResultUri;
        if (this.env.now() >= deadline) return result;
        delay = await this.#pause(deadline, delay, poll, "statement's result");
        continue;
      }
      delay = poll.initialPollDelayMs;
      if (page.results.columns.length > 0) result.columns = page.results.columns;
      result.jobId ??= page.jobID;
      result.resultKind = page.resultKind;
      result.isQueryResult = page.isQueryResult;
      for (const row of page.results.data) {
        if (result.rows.length >= maxRows) return result;
        result.rows.push(row);
      }
      if (page.resultType === "EOS" || page.nextResultUri === undefined) {
        result.complete = true;
        return result;
      }
      next = page.nextResultUri;
      if (this.env.now() >= deadline) return result;
    }
    return result;
  }

  /** Reads pages until the first one that is not NOT_READY: that is when the statement succeeded or failed. */
  async #firstPage(operation: OperationHandle, poll: Required<PollOptions>): Promise<statements.ResultPage> {
    const deadline = this.env.now() + poll.timeoutMs;
    let next: number | string = 0;
    let delay = poll.initialPollDelayMs;
    for (;;) {
      const page = await this.fetchResultPage(operation, next);
      if (page.resultType !== "NOT_READY") return page;
      next = page.nextResultUri;
      delay = await this.#pause(deadline, delay, poll, "statement to complete");
    }
  }

  /**
   * Runs one statement in a fresh session and returns its (bounded) result.
   *
   * @example
   * ```ts
   * const { rows } = await gateway.runStatement("SELECT 1 + 1", { sets: { "execution.runtime-mode": "batch" } });
   * ```
   */
  async runStatement(
    sql: string,
    options: FetchOptions & { sets?: Record<string, string> } = {},
  ): Promise<StatementResult> {
    const session = await this.openSession(options.sets);
    try {
      const operation = await this.executeStatement(session, sql);
      return await this.fetchAllResults(operation, options);
    } finally {
      await this.#closeQuietly(session);
    }
  }

  /**
   * Submits one Flink job: opens a fresh session configured with `sets`, runs
   * the set-up statements (DDL) in order, then runs the INSERTs as one
   * `EXECUTE STATEMENT SET` (a single INSERT as itself), reads the job id and
   * closes the session.
   *
   * @example
   * ```ts
   * const { jobId } = await gateway.executeStatementSet(
   *   [createSource, createSinkA, createSinkB, "INSERT INTO a SELECT ...", "INSERT INTO b SELECT ..."],
   *   { sets: { "pipeline.name": "reviews@2" } },
   * );
   * // runs: EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT ...; INSERT INTO b SELECT ...; END
   * ```
   */
  async executeStatementSet(
    sqlStatements: readonly string[],
    options: StatementSetOptions = {},
  ): Promise<SubmittedJob> {
    const planned = planStatementSet(sqlStatements);
    const poll = { ...this.#poll, ...options };
    const session = await this.openSession(options.sets, { sessionName: options.sessionName });
    try {
      await this.#runSetup(session, planned.setup, poll);
      await options.beforeExecute?.();
      const operation = await this.#inStep(planned.setup.length, planned.setup.length + 1, () =>
        this.executeStatement(session, planned.job),
      );
      const page = await this.#inStep(planned.setup.length, planned.setup.length + 1, () =>
        this.#firstPage(operation, poll),
      );
      const jobId = page.resultType === "NOT_READY" ? undefined : (page.jobID ?? statements.jobIdOf(page));
      if (jobId === undefined) {
        throw new FlinkClientError(
          "BAD_RESPONSE",
          "The statement set was accepted but Flink returned no job id",
        );
      }
      return { jobId };
    } finally {
      await this.#closeQuietly(session);
    }
  }

  /**
   * Dry run: runs the set-up statements, then asks Flink to EXPLAIN the job
   * statement without running it; returns the plan text. Invalid SQL fails with
   * SQL_ERROR exactly as a real submission would. `details` are EXPLAIN's extra outputs, e.g.
   * `["JSON_EXECUTION_PLAN"]` for the stream graph as JSON.
   */
  async explain(
    sqlStatements: readonly string[],
    options: StatementSetOptions & { details?: readonly ExplainDetail[] } = {},
  ): Promise<string> {
    const planned = planStatementSet(sqlStatements);
    const poll = { ...this.#poll, ...options };
    const session = await this.openSession(options.sets, { sessionName: options.sessionName });
    try {
      await this.#runSetup(session, planned.setup, poll);
      const operation = await this.executeStatement(session, explainStatement(planned.job, options.details));
      const result = await this.#inStep(planned.setup.length, planned.setup.length + 1, () =>
        this.fetchAllResults(operation, poll),
      );
      const plan = result.rows[0]?.fields[0];
      if (typeof plan !== "string") throw new FlinkClientError("BAD_RESPONSE", "EXPLAIN returned no plan");
      return plan;
    } finally {
      await this.#closeQuietly(session);
    }
  }

  async #runSetup(
    session: GatewaySession,
    setup: readonly string[],
    poll: Required<PollOptions>,
  ): Promise<void> {
    const total = setup.length + 1;
    for (const [index, sql] of setup.entries()) {
      await this.#inStep(index, total, async () => {
        const operation = await this.executeStatement(session, sql);
        await this.#firstPage(operation, poll);
      });
    }
  }

  /** Says which statement failed (by position: the text itself may hold secrets). */
  async #inStep<T>(index: number, total: number, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof FlinkClientError && error.code === "SQL_ERROR") {
        throw new FlinkClientError("SQL_ERROR", `Statement ${index + 1} of ${total}: ${error.message}`, {
          status: error.status,
          flinkMessage: error.flinkMessage,
          flinkErrors: error.flinkErrors,
          url: error.url,
          cause: error,
        });
      }
      throw error;
    }
  }

  async #closeQuietly(session: GatewaySession): Promise<void> {
    // The session's outcome is already decided; a failed close only leaves a
    // session that the gateway expires after its idle timeout.
    await this.closeSession(session).catch(() => undefined);
  }

  /** Releases pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }
}
