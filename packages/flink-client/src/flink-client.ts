import type { Redact } from "./errors.ts";
import { FlinkRestClient } from "./flink-rest-client.ts";
import type { PollOptions } from "./gateway-types.ts";
import type { RetryEnvironment, RetryPolicy } from "./retry.ts";
import { SqlGatewayClient } from "./sql-gateway-client.ts";

export interface FlinkClientOptions {
  /** Flink REST API of the session cluster. Default `http://127.0.0.1:8081`. */
  restUrl?: string;
  /** SQL Gateway REST endpoint. Default `http://127.0.0.1:8083`. */
  sqlGatewayUrl?: string;
  /** SQL Gateway REST API version. Default `v4`. */
  apiVersion?: string;
  /** Bound of one HTTP request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Bound of opening a connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** One retry policy for both endpoints (retryable failures only). */
  retry?: Partial<RetryPolicy>;
  /** Applied to every Flink message put in an error, e.g. to mask credentials quoted from SQL. */
  redact?: Redact;
  poll?: PollOptions;
  environment?: RetryEnvironment;
}

/**
 * Reads `SLUICE_FLINK_REST_URL` and `SLUICE_SQL_GATEWAY_URL`.
 *
 * @example
 * ```ts
 * const flink = new FlinkClient(flinkClientOptionsFromEnv());
 * ```
 */
export function flinkClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): FlinkClientOptions {
  return {
    restUrl: env.SLUICE_FLINK_REST_URL || undefined,
    sqlGatewayUrl: env.SLUICE_SQL_GATEWAY_URL || undefined,
  };
}

/**
 * Both Flink endpoints behind one object with one retry policy: `gateway`
 * submits SQL, `rest` observes and stops jobs.
 *
 * @example
 * ```ts
 * const flink = new FlinkClient({ restUrl: "http://127.0.0.1:8081", sqlGatewayUrl: "http://127.0.0.1:8083" });
 * const { jobId } = await flink.gateway.executeStatementSet(statements, { sets: { "pipeline.name": "sensor-anomalies@1" } });
 * await flink.rest.waitForJobState(jobId, ["RUNNING"]);
 * const savepointPath = await flink.rest.stopWithSavepointAndWait(jobId, { drain: false });
 * await flink.close();
 * ```
 */
export class FlinkClient {
  readonly gateway: SqlGatewayClient;
  readonly rest: FlinkRestClient;

  constructor(options: FlinkClientOptions = {}) {
    const shared = {
      requestTimeoutMs: options.requestTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      retry: options.retry,
      redact: options.redact,
      environment: options.environment,
    };
    this.gateway = new SqlGatewayClient({
      ...shared,
      baseUrl: options.sqlGatewayUrl,
      apiVersion: options.apiVersion,
      poll: options.poll,
    });
    this.rest = new FlinkRestClient({ ...shared, baseUrl: options.restUrl });
  }

  async close(): Promise<void> {
    await Promise.all([this.gateway.close(), this.rest.close()]);
  }
}
