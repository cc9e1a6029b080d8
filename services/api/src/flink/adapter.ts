import {
  type ExplainDetail,
  extractFlinkMessage,
  FlinkClient,
  type FlinkClientOptions,
  isFlinkClientError,
  type PollOptions,
} from "@sluice/flink-client";
import { z } from "zod";
import { exceptionClasses } from "./exception-classes.ts";
import { readFlowMetrics } from "./flow-metrics.ts";
import {
  type CheckpointInfo,
  type ClusterCapacity,
  FlinkError,
  type FlinkException,
  type FlinkJobSummary,
  type FlinkPort,
  type FlowMetricsQuery,
  type RawFlowMetrics,
  type SavepointStatus,
  type SubmitRequest,
} from "./port.ts";

/**
 * Savepoint failures that a new trigger a moment later does not have: the job's tasks were
 * still being deployed or initialised (typical right after a submission or a restart).
 */
const TRANSIENT_SAVEPOINT_FAILURE =
  /Not all required tasks are currently running|tasks not ready|Checkpoint was declined \(task is closing\)|CHECKPOINT_DECLINED_TASK_NOT_READY/i;

const checkpointSummary = z
  .object({
    external_path: z.string().nullish(),
    is_savepoint: z.boolean().optional(),
    latest_ack_timestamp: z.number().optional(),
  })
  .nullish();
const checkpointStatistics = z.object({
  latest: z.object({ completed: checkpointSummary, savepoint: checkpointSummary }),
});

/**
 * How often a submission asks the SQL Gateway whether a statement is done (10 ms, then 20, then
 * every 25 ms). A statement is typically ready within tens of milliseconds; the client's default
 * (50 ms, doubling up to 1 s) added up to 50-150 ms per statement on top of that.
 */
export const GATEWAY_POLL: PollOptions = { initialPollDelayMs: 10, maxPollDelayMs: 25 };

/**
 * The {@link FlinkPort} over `@sluice/flink-client`: the SQL Gateway for submissions (a fresh
 * session per call, closed afterwards) and the Flink REST API for everything else. Client
 * errors are mapped to the port's codes; only a request that certainly never reached Flink is
 * FLINK_UNREACHABLE (the lifecycle relies on that to resubmit without waiting).
 *
 * @example
 * ```ts
 * const flink = new FlinkClientAdapter({ restUrl: "http://127.0.0.1:8081", sqlGatewayUrl: "http://127.0.0.1:8083" });
 * const jobs = await flink.listJobs();
 * ```
 */
export class FlinkClientAdapter implements FlinkPort {
  readonly client: FlinkClient;
  readonly endpoints: { restUrl: string; sqlGatewayUrl: string };

  constructor(options: FlinkClientOptions & { restUrl: string; sqlGatewayUrl: string }) {
    this.client = new FlinkClient({
      requestTimeoutMs: 30_000,
      connectTimeoutMs: 3_000,
      poll: GATEWAY_POLL,
      ...options,
    });
    this.endpoints = { restUrl: options.restUrl, sqlGatewayUrl: options.sqlGatewayUrl };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.map(what, error);
    }
  }

  private map(what: string, error: unknown): FlinkError {
    if (!isFlinkClientError(error)) {
      return new FlinkError(
        "FLINK_ERROR",
        `${what}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    const urls = error.url ? [error.url] : [this.endpoints.restUrl, this.endpoints.sqlGatewayUrl];
    const detail =
      error.flinkMessage && !error.message.includes(error.flinkMessage) ? `: ${error.flinkMessage}` : "";
    const message = `${error.message}${detail}`;
    switch (error.code) {
      case "FLINK_UNREACHABLE":
        return error.notSent
          ? new FlinkError("FLINK_UNREACHABLE", message, { urls, cause: error })
          : new FlinkError("FLINK_ERROR", message, { retryable: true, urls, cause: error });
      case "FLINK_TIMEOUT":
      case "FLINK_UNAVAILABLE":
        return new FlinkError("FLINK_ERROR", message, { retryable: true, urls, cause: error });
      case "SQL_ERROR":
        return new FlinkError("SQL_ERROR", message, { cause: error });
      case "JOB_NOT_FOUND":
        return new FlinkError("JOB_NOT_FOUND", message, { cause: error });
      case "SAVEPOINT_FAILED":
        return new FlinkError("SAVEPOINT_FAILED", message, { retryable: error.retryable, cause: error });
      default:
        return new FlinkError("FLINK_ERROR", message, { retryable: error.retryable, cause: error });
    }
  }

  submit(request: SubmitRequest): Promise<{ jobId: string }> {
    return this.call("Submitting the job", () =>
      this.client.gateway.executeStatementSet(
        request.statements.map((s) => s.sql),
        {
          sets: request.settings,
          sessionName: request.settings["pipeline.name"],
          ...(request.beforeExecute ? { beforeExecute: request.beforeExecute } : {}),
        },
      ),
    );
  }

  explain(request: SubmitRequest, options: { details?: readonly ExplainDetail[] } = {}): Promise<string> {
    return this.call("Explaining the job", () =>
      this.client.gateway.explain(
        request.statements.map((s) => s.sql),
        { sets: request.settings, ...(options.details ? { details: options.details } : {}) },
      ),
    );
  }

  async listJobs(): Promise<FlinkJobSummary[]> {
    const jobs = await this.call("Listing jobs", () => this.client.rest.listJobs());
    return jobs.map((j) => ({
      id: j.jid,
      name: j.name,
      state: j.state,
      startTime: j["start-time"],
      endTime: j["end-time"] > 0 ? j["end-time"] : undefined,
      tasks: j.tasks,
    }));
  }

  async cluster(): Promise<ClusterCapacity> {
    const o = await this.call("Reading the cluster overview", () => this.client.rest.overview());
    return {
      taskManagers: o.taskmanagers,
      slotsTotal: o["slots-total"],
      slotsAvailable: o["slots-available"],
    };
  }

  async getJob(jobId: string): Promise<FlinkJobSummary | undefined> {
    try {
      const j = await this.client.rest.getJob(jobId);
      return {
        id: j.jid,
        name: j.name,
        state: j.state,
        startTime: j["start-time"],
        endTime: j["end-time"] > 0 ? j["end-time"] : undefined,
      };
    } catch (error) {
      if (isFlinkClientError(error) && error.code === "JOB_NOT_FOUND") return undefined;
      throw this.map(`Reading job ${jobId}`, error);
    }
  }

  async exceptions(jobId: string): Promise<FlinkException[]> {
    const { entries } = await this.call(`Reading exceptions of ${jobId}`, () =>
      this.client.rest.getExceptions(jobId, 10),
    );
    return entries.map((e) => ({
      timestamp: e.timestamp,
      message: extractFlinkMessage([e.stacktrace]) ?? e.exceptionName,
      taskName: e.taskName ?? undefined,
      exceptionClasses: exceptionClasses(e.stacktrace),
    }));
  }

  async stopWithSavepoint(
    jobId: string,
    options: { drain: boolean; targetDirectory?: string | undefined },
  ): Promise<{ triggerId: string }> {
    const triggerId = await this.call(`Stopping ${jobId} with a savepoint`, () =>
      this.client.rest.stopWithSavepoint(jobId, {
        drain: options.drain,
        ...(options.targetDirectory ? { targetDirectory: options.targetDirectory } : {}),
      }),
    );
    return { triggerId };
  }

  async triggerSavepoint(
    jobId: string,
    options: { targetDirectory?: string | undefined },
  ): Promise<{ triggerId: string }> {
    const triggerId = await this.call(`Triggering a savepoint of ${jobId}`, () =>
      this.client.rest.triggerSavepoint(
        jobId,
        options.targetDirectory ? { targetDirectory: options.targetDirectory } : {},
      ),
    );
    return { triggerId };
  }

  async pollSavepoint(jobId: string, triggerId: string): Promise<SavepointStatus> {
    const status = await this.call(`Polling savepoint ${triggerId}`, () =>
      this.client.rest.savepointStatus(jobId, triggerId),
    );
    if (status.state === "IN_PROGRESS") return { status: "IN_PROGRESS" };
    if (status.state === "COMPLETED") return { status: "COMPLETED", path: status.location };
    // A failed trigger stays failed when polled again: say whether triggering anew may help.
    const reason = status.failure.flinkMessage ?? status.failure.message;
    return {
      status: "FAILED",
      reason,
      retryable: status.failure.retryable || TRANSIENT_SAVEPOINT_FAILURE.test(reason),
    };
  }

  cancel(jobId: string): Promise<void> {
    return this.call(`Cancelling ${jobId}`, () => this.client.rest.cancel(jobId));
  }

  /**
   * The newest of the job's latest completed checkpoint and latest savepoint. Read from
   * `GET /jobs/:id/checkpoints` directly because the client exposes only the checkpoint, and a
   * stop-with-savepoint that completed while the API was down shows up as `latest.savepoint`.
   */
  async latestCheckpoint(jobId: string): Promise<CheckpointInfo | undefined> {
    const url = `${this.endpoints.restUrl}/jobs/${encodeURIComponent(jobId)}/checkpoints`;
    let body: unknown;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) throw new FlinkError("JOB_NOT_FOUND", `Job ${jobId} not found`);
      if (!res.ok)
        throw new FlinkError("FLINK_ERROR", `${url} answered ${res.status}`, {
          retryable: res.status >= 500,
        });
      body = await res.json();
    } catch (error) {
      if (error instanceof FlinkError) throw error;
      throw new FlinkError("FLINK_UNREACHABLE", `Reading checkpoints of ${jobId}: ${String(error)}`, {
        urls: [url],
        cause: error,
      });
    }
    const parsed = checkpointStatistics.safeParse(body);
    if (!parsed.success) return undefined;
    const candidates = [parsed.data.latest.completed, parsed.data.latest.savepoint]
      .filter((c) => c?.external_path)
      .sort((a, b) => (b?.latest_ack_timestamp ?? 0) - (a?.latest_ack_timestamp ?? 0));
    const latest = candidates[0];
    if (!latest?.external_path) return undefined;
    return {
      path: latest.external_path,
      isSavepoint: latest.is_savepoint ?? false,
      completedAt: latest.latest_ack_timestamp ?? 0,
    };
  }

  readFlowMetrics(jobId: string, query: FlowMetricsQuery): Promise<RawFlowMetrics> {
    return this.call(`Reading the flow metrics of ${jobId}`, () =>
      readFlowMetrics(this.client.rest, jobId, query),
    );
  }

  async ping(): Promise<void> {
    await this.call("Reaching the Flink REST API", () => this.client.rest.overview());
    await this.call("Reaching the SQL Gateway", () => this.client.gateway.info());
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
