import {
  type ExplainDetail,
  type JobState,
  KNOWN_JOB_STATES,
  TERMINAL_JOB_STATES,
} from "@sluice/flink-client";
import type { CompiledStatement } from "@sluice/flink-jobs";

/**
 * What the API needs from Flink, and nothing more. The lifecycle code is written against this
 * port; `adapter.ts` implements it over `@sluice/flink-client` and `fake.ts` implements it in
 * memory for unit tests. Keeping the port small keeps both honest.
 */

export interface SubmitRequest {
  /** Session settings applied first, e.g. `pipeline.name`, `execution.state-recovery.path`. */
  settings: Record<string, string>;
  /**
   * The compiled statements in order, secrets resolved; the last one starts the job
   * (`EXECUTE STATEMENT SET`).
   */
  statements: CompiledStatement[];
  /**
   * Called once the session and the DDL are ready, just before the statement that starts the
   * job; if it throws, no job is started (the last look for a duplicate runs meanwhile).
   */
  beforeExecute?: (() => Promise<void>) | undefined;
}

/** States in which a job occupies (or will occupy) slots: another submission would be a duplicate. */
export const ACTIVE_FLINK_STATES: ReadonlySet<string> = new Set(
  KNOWN_JOB_STATES.filter((state) => !TERMINAL_JOB_STATES.has(state) && state !== "SUSPENDED"),
);

/** Globally terminal states: the job will not run again. */
export const TERMINAL_FLINK_STATES: ReadonlySet<string> = TERMINAL_JOB_STATES;

export interface FlinkJobSummary {
  id: string;
  /** `pipeline.name`; Sluice sets it to `sluice/<name>/v<version>`. */
  name: string;
  state: JobState;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds, when the job has ended. */
  endTime?: number | undefined;
  /** Tasks per execution state (`running`, `scheduled`, ..., `total`), as `/jobs/overview` gives them. */
  tasks?: Readonly<Record<string, number>> | undefined;
}

/** The session cluster's capacity (`GET /overview`). */
export interface ClusterCapacity {
  taskManagers: number;
  slotsTotal: number;
  slotsAvailable: number;
}

export interface FlinkException {
  /** Epoch milliseconds. */
  timestamp: number;
  /** The exception's first line, e.g. `java.lang.RuntimeException: boom`. */
  message: string;
  taskName?: string | undefined;
  /** The exception classes of the failure, outermost first (its first line and each `Caused by:`). */
  exceptionClasses?: readonly string[] | undefined;
}

export type SavepointStatus =
  | { status: "IN_PROGRESS" }
  | { status: "COMPLETED"; path: string }
  /** `retryable`: the same request may succeed if triggered again (e.g. tasks were still deploying). */
  | { status: "FAILED"; reason: string; retryable?: boolean };

export interface CheckpointInfo {
  path: string;
  isSavepoint: boolean;
  /** Epoch milliseconds when it completed. */
  completedAt: number;
}

/** Which metrics a flow read asks for (see `services/api/src/flow`). */
export interface FlowMetricsQuery {
  /** Job-level metric ids, e.g. `numRestarts`. */
  jobMetrics: readonly string[];
  /** The subtask metric ids to read of a vertex, from its name, e.g. `Source__readings[1].numRecordsOut`. */
  vertexMetrics: (vertexName: string) => string[];
}

/** A metric aggregated over a vertex's subtasks. */
export interface AggregatedValue {
  sum?: number | undefined;
  max?: number | undefined;
  min?: number | undefined;
}

/** The raw metrics of one Flink job, as one flow read got them. */
export interface RawFlowMetrics {
  job: Record<string, number>;
  vertices: Array<{ id: string; name: string; metrics: Record<string, AggregatedValue> }>;
}

export interface FlinkPort {
  /** Runs the settings and statements in a fresh SQL Gateway session and returns the Flink job id. */
  submit(request: SubmitRequest): Promise<{ jobId: string }>;
  /**
   * Asks Flink to plan the statements without running them; returns the plan text (with
   * `details`, EXPLAIN's extra outputs, e.g. `JSON_EXECUTION_PLAN`: the stream graph).
   */
  explain(request: SubmitRequest, options?: { details?: readonly ExplainDetail[] }): Promise<string>;
  /** Every job the cluster knows, running or ended. */
  listJobs(): Promise<FlinkJobSummary[]>;
  /** One job, or `undefined` when Flink does not know it. */
  getJob(jobId: string): Promise<FlinkJobSummary | undefined>;
  /** Recent exceptions of a job, newest first. */
  exceptions(jobId: string): Promise<FlinkException[]>;
  stopWithSavepoint(
    jobId: string,
    options: { drain: boolean; targetDirectory?: string | undefined },
  ): Promise<{ triggerId: string }>;
  triggerSavepoint(
    jobId: string,
    options: { targetDirectory?: string | undefined },
  ): Promise<{ triggerId: string }>;
  pollSavepoint(jobId: string, triggerId: string): Promise<SavepointStatus>;
  cancel(jobId: string): Promise<void>;
  /** TaskManagers and task slots of the session cluster. */
  cluster(): Promise<ClusterCapacity>;
  /** The latest completed checkpoint or savepoint of a job with an external path, if any. */
  latestCheckpoint(jobId: string): Promise<CheckpointInfo | undefined>;
  /** Job and vertex metrics of a running job (REST calls: the job, its metrics, one per vertex). */
  readFlowMetrics(jobId: string, query: FlowMetricsQuery): Promise<RawFlowMetrics>;
  /** Throws {@link FlinkError} `FLINK_UNREACHABLE` when either endpoint does not answer. */
  ping(): Promise<void>;
  /** The endpoints, to tell users what was tried. */
  readonly endpoints: { restUrl: string; sqlGatewayUrl: string };
}

export const FLINK_ERROR_CODES = [
  "FLINK_UNREACHABLE",
  "SQL_ERROR",
  "JOB_NOT_FOUND",
  "SAVEPOINT_FAILED",
  "FLINK_ERROR",
] as const;
export type FlinkErrorCode = (typeof FLINK_ERROR_CODES)[number];

/**
 * A failure behind the port. `retryable` says whether the same call may succeed later
 * (unreachable, 503); the reconciler retries those on its next pass.
 *
 * @example
 * ```ts
 * throw new FlinkError("FLINK_UNREACHABLE", "connect ECONNREFUSED 127.0.0.1:8081", { urls: ["http://127.0.0.1:8081"] });
 * ```
 */
export class FlinkError extends Error {
  override readonly name = "FlinkError";
  readonly code: FlinkErrorCode;
  readonly retryable: boolean;
  /** The URLs that were tried (for FLINK_UNREACHABLE). */
  readonly urls: string[];

  constructor(
    code: FlinkErrorCode,
    message: string,
    options: { retryable?: boolean; urls?: string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? code === "FLINK_UNREACHABLE";
    this.urls = options.urls ?? [];
  }
}

export function isFlinkError(value: unknown): value is FlinkError {
  return value instanceof FlinkError;
}

/** `sluice/<name>/v<version>`: the pipeline.name every Sluice job is submitted with. */
export function pipelineName(jobName: string, version: number): string {
  return `sluice/${jobName}/v${version}`;
}

/** The inverse of {@link pipelineName}; `undefined` for jobs Sluice did not name. */
export function parsePipelineName(name: string): { jobName: string; version: number } | undefined {
  const match = /^sluice\/([^/]+)\/v(\d+)$/.exec(name);
  if (!match) return undefined;
  return { jobName: match[1] as string, version: Number(match[2]) };
}
