import { FlinkHttpClient, type FlinkHttpClientOptions } from "./client-base.ts";
import { FlinkClientError } from "./errors.ts";
import { type CheckpointSummary, getCheckpointStatistics } from "./rest/checkpoints.ts";
import {
  type ClusterOverview,
  getClusterOverview,
  listTaskManagers,
  type TaskManager,
} from "./rest/cluster.ts";
import type { JobConfig, JobDetails, JobException, JobOverview } from "./rest/jobs.ts";
import * as jobs from "./rest/jobs.ts";
import * as metrics from "./rest/metrics.ts";
import type {
  SavepointStatus,
  StopWithSavepointRequest,
  TriggerSavepointRequest,
} from "./rest/savepoints.ts";
import * as savepoints from "./rest/savepoints.ts";

/** `baseUrl` defaults to `http://127.0.0.1:8081`. */
export type FlinkRestClientOptions = FlinkHttpClientOptions;

export interface WaitOptions {
  /** Default 120 s. */
  timeoutMs?: number;
  /** Default 500 ms. */
  pollIntervalMs?: number;
}

/**
 * A typed client for the Flink REST API of a session cluster: jobs,
 * savepoints, checkpoints, task managers.
 *
 * @example
 * ```ts
 * const rest = new FlinkRestClient({ baseUrl: "http://127.0.0.1:8081" });
 * const triggerId = await rest.stopWithSavepoint(jobId, { drain: false });
 * const savepointPath = await rest.waitForSavepoint(jobId, triggerId); // "file:/.../savepoint-ab12cd-..."
 * ```
 */
export class FlinkRestClient extends FlinkHttpClient {
  constructor(options: FlinkRestClientOptions = {}) {
    super(options, "http://127.0.0.1:8081");
  }

  /** Slots, task managers, job counts and the Flink version. */
  overview(): Promise<ClusterOverview> {
    return this.call(() => getClusterOverview(this.http), true);
  }

  /** Every job the cluster knows (running and recently finished). */
  listJobs(): Promise<JobOverview[]> {
    return this.call(() => jobs.listJobs(this.http), true);
  }

  /** @throws FlinkClientError JOB_NOT_FOUND */
  getJob(jobId: string): Promise<JobDetails> {
    return this.call(() => jobs.getJob(this.http, jobId), true);
  }

  /** The job's name (its `pipeline.name`) and execution config. */
  getJobConfig(jobId: string): Promise<JobConfig> {
    return this.call(() => jobs.getJobConfig(this.http, jobId), true);
  }

  /** The job's `pipeline.name`, which Sluice sets to `<spec name>@<version>`. */
  async pipelineName(jobId: string): Promise<string> {
    return (await this.getJobConfig(jobId)).name;
  }

  /** The most recent failures of the job, newest first. */
  getExceptions(jobId: string, maxExceptions = 10): Promise<{ entries: JobException[]; truncated: boolean }> {
    return this.call(() => jobs.getJobExceptions(this.http, jobId, maxExceptions), true);
  }

  /**
   * Starts stop-with-savepoint; returns the trigger id to pass to {@link waitForSavepoint}.
   *
   * @example
   * ```ts
   * const triggerId = await rest.stopWithSavepoint(jobId, { targetDirectory: "file:///var/sluice/savepoints", drain: false });
   * ```
   */
  stopWithSavepoint(jobId: string, request: StopWithSavepointRequest): Promise<string> {
    return this.call(() => savepoints.stopWithSavepoint(this.http, jobId, request), false);
  }

  /** Starts a savepoint of a running job (the job keeps running); returns the trigger id. */
  triggerSavepoint(jobId: string, request: TriggerSavepointRequest = {}): Promise<string> {
    return this.call(() => savepoints.triggerSavepoint(this.http, jobId, request), false);
  }

  /** One look at a savepoint trigger. */
  savepointStatus(jobId: string, triggerId: string): Promise<SavepointStatus> {
    return this.call(() => savepoints.getSavepointStatus(this.http, jobId, triggerId), true);
  }

  /**
   * Polls a savepoint trigger until it completes; returns the savepoint path
   * (`file:/...`).
   *
   * @throws FlinkClientError SAVEPOINT_FAILED with Flink's reason, or FLINK_TIMEOUT.
   */
  async waitForSavepoint(jobId: string, triggerId: string, options: WaitOptions = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = this.env.now() + timeoutMs;
    for (;;) {
      const status = await this.savepointStatus(jobId, triggerId);
      if (status.state === "COMPLETED") return status.location;
      if (status.state === "FAILED") throw status.failure;
      if (this.env.now() >= deadline) {
        throw new FlinkClientError(
          "FLINK_TIMEOUT",
          `Savepoint ${triggerId} of job ${jobId} did not complete in ${timeoutMs} ms`,
          { url: this.http.baseUrl, retryable: false },
        );
      }
      await this.env.sleep(options.pollIntervalMs ?? 500);
    }
  }

  /**
   * Stop-with-savepoint, waited for: returns the savepoint path once Flink has
   * written it (the job then goes to FINISHED).
   */
  async stopWithSavepointAndWait(
    jobId: string,
    request: StopWithSavepointRequest,
    options: WaitOptions = {},
  ): Promise<string> {
    const triggerId = await this.stopWithSavepoint(jobId, request);
    return this.waitForSavepoint(jobId, triggerId, options);
  }

  /** Cancels the job without a savepoint (asynchronous in Flink). */
  cancel(jobId: string): Promise<void> {
    return this.call(() => jobs.cancelJob(this.http, jobId), true);
  }

  /** The latest completed checkpoint with its `external_path`, if the job has one. */
  async latestCompletedCheckpoint(jobId: string): Promise<CheckpointSummary | undefined> {
    const statistics = await this.call(() => getCheckpointStatistics(this.http, jobId), true);
    return statistics.latest.completed ?? undefined;
  }

  /** Job-level metrics by id (e.g. `numRestarts`, `lastCompletedCheckpointId`); unknown ids are left out. */
  jobMetrics(jobId: string, ids: readonly string[]): Promise<Record<string, number>> {
    return this.call(() => metrics.getJobMetrics(this.http, jobId, ids), true);
  }

  /** The metric ids of a vertex's subtasks, e.g. `Source__readings[1].numRecordsOut`. */
  vertexMetricIds(jobId: string, vertexId: string): Promise<string[]> {
    return this.call(() => metrics.listVertexMetrics(this.http, jobId, vertexId), true);
  }

  /** Metrics of a vertex aggregated over its subtasks (sum, max, min). */
  vertexMetrics(
    jobId: string,
    vertexId: string,
    ids: readonly string[],
  ): Promise<metrics.AggregatedMetric[]> {
    return this.call(() => metrics.getVertexMetrics(this.http, jobId, vertexId, ids), true);
  }

  taskManagers(): Promise<TaskManager[]> {
    return this.call(() => listTaskManagers(this.http), true);
  }

  /**
   * Polls the job until its state is one of `states`.
   *
   * @throws FlinkClientError FLINK_TIMEOUT, or OPERATION_FAILED when the job
   * reached a terminal state that is not among `states`.
   */
  async waitForJobState(
    jobId: string,
    states: readonly jobs.JobState[],
    options: WaitOptions = {},
  ): Promise<JobDetails> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = this.env.now() + timeoutMs;
    for (;;) {
      const job = await this.getJob(jobId);
      if (states.includes(job.state)) return job;
      if (jobs.TERMINAL_JOB_STATES.has(job.state)) {
        throw new FlinkClientError(
          "OPERATION_FAILED",
          `Job ${jobId} ended as ${job.state} while waiting for ${states.join("/")}`,
        );
      }
      if (this.env.now() >= deadline) {
        throw new FlinkClientError(
          "FLINK_TIMEOUT",
          `Job ${jobId} is ${job.state}, not ${states.join("/")}, after ${timeoutMs} ms`,
          { url: this.http.baseUrl, retryable: false },
        );
      }
      await this.env.sleep(options.pollIntervalMs ?? 500);
    }
  }

  /**
   * Waits until the job is RUNNING and so is every one of its tasks. Flink
   * reports a job RUNNING while its tasks are still being deployed, and a
   * savepoint taken then fails ("Not all required tasks are currently
   * running"), so wait for this before a savepoint or a stop.
   */
  async waitForJobRunning(jobId: string, options: WaitOptions = {}): Promise<JobDetails> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = this.env.now() + timeoutMs;
    for (;;) {
      const job = await this.waitForJobState(jobId, ["RUNNING"], {
        ...options,
        timeoutMs: Math.max(0, deadline - this.env.now()),
      });
      // Bounded sources may already be FINISHED; that is as running as they get.
      if (job.vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED")) return job;
      if (this.env.now() >= deadline) {
        throw new FlinkClientError(
          "FLINK_TIMEOUT",
          `The tasks of job ${jobId} are not all running after ${timeoutMs} ms`,
          {
            url: this.http.baseUrl,
            retryable: false,
          },
        );
      }
      await this.env.sleep(options.pollIntervalMs ?? 500);
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
