/**
 * `@sluice/flink-client`: a typed client for the Flink SQL Gateway (REST v4)
 * and the Flink REST API, used by the Sluice API and by the tests.
 *
 * Two layers: protocol modules (`gateway/*`, `rest/*`: one request, one
 * zod-parsed response each) and clients that compose them with one retry
 * policy. Every failure is a {@link FlinkClientError} with a stable `code`.
 *
 * @example
 * ```ts
 * import { FlinkClient, isFlinkClientError } from "@sluice/flink-client";
 *
 * const flink = new FlinkClient();
 * try {
 *   const { jobId } = await flink.gateway.executeStatementSet([createSource, createSink, insert]);
 *   await flink.rest.waitForJobState(jobId, ["RUNNING"]);
 * } catch (err) {
 *   if (isFlinkClientError(err) && err.code === "SQL_ERROR") console.error(err.flinkMessage);
 * } finally {
 *   await flink.close();
 * }
 * ```
 */

export { FlinkHttpClient, type FlinkHttpClientOptions } from "./client-base.ts";
export {
  extractFlinkMessage,
  FLINK_CLIENT_ERROR_CODES,
  FlinkClientError,
  type FlinkClientErrorCode,
  type FlinkClientErrorOptions,
  isFlinkClientError,
  type Redact,
} from "./errors.ts";
export { FlinkClient, type FlinkClientOptions, flinkClientOptionsFromEnv } from "./flink-client.ts";
export { FlinkRestClient, type FlinkRestClientOptions, type WaitOptions } from "./flink-rest-client.ts";
export type { ApiVersions, GatewayInfo } from "./gateway/info.ts";
export type {
  ExecuteStatementOptions,
  OperationState,
  ResultColumn,
  ResultPage,
  ResultRow,
} from "./gateway/statements.ts";
export {
  type FetchOptions,
  type GatewaySession,
  type OperationHandle,
  type PollOptions,
  rowsAsObjects,
  type SqlGatewayClientOptions,
  type StatementResult,
  type StatementSetOptions,
  type SubmittedJob,
} from "./gateway-types.ts";
export {
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type TransportOptions,
  UndiciTransport,
} from "./http.ts";
export type { CheckpointSummary } from "./rest/checkpoints.ts";
export type { ClusterOverview, TaskManager } from "./rest/cluster.ts";
export {
  ACTIVE_JOB_STATES,
  type JobConfig,
  type JobDetails,
  type JobException,
  type JobOverview,
  type JobState,
  KNOWN_JOB_STATES,
  type KnownJobState,
  TERMINAL_JOB_STATES,
} from "./rest/jobs.ts";
export type { AggregatedMetric } from "./rest/metrics.ts";
export type {
  SavepointFormat,
  SavepointStatus,
  StopWithSavepointRequest,
  TriggerSavepointRequest,
} from "./rest/savepoints.ts";
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryEnvironment,
  type RetryPolicy,
  shouldRetry,
  withRetry,
} from "./retry.ts";
export { SqlGatewayClient } from "./sql-gateway-client.ts";
export { type ExplainDetail, planStatementSet, statementRole } from "./statement-set.ts";
