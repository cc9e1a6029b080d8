import type { z } from "zod";
import type { JobCompiler } from "../compiler/port.ts";
import type { FlinkException, FlinkJobSummary } from "../flink/port.ts";
import type { JobFlow } from "../flow/monitor.ts";
import type { JobThresholds } from "../flow/thresholds.ts";
import { conditionsView, flowView, thresholdsView } from "../flow/view.ts";
import { batchReads, type JobReads } from "../lifecycle/job-reads.ts";
import type { ObservationResult } from "../lifecycle/reconciler.ts";
import { recoveryOf } from "../lifecycle/recovery.ts";
import { shownState } from "../lifecycle/shown-state.ts";
import type {
  jobDetailSchema,
  jobListSchema,
  jobSummarySchema,
  operationSchema,
  savepointSchema,
} from "../schemas.ts";
import { jobPage } from "../store/batch-reads.ts";
import type { JobRecord, JobStore, OperationRecord, SavepointRecord } from "../store/store.ts";

type JobSummary = z.output<typeof jobSummarySchema>;
type JobDetail = z.output<typeof jobDetailSchema>;
type JobList = z.output<typeof jobListSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

/** Flink states in which a job has no exceptions to show: gone, or not started yet. */
const NOT_STARTED: ReadonlySet<string> = new Set(["MISSING", "INITIALIZING", "CREATED"]);

export function operationView(op: OperationRecord | undefined): z.output<typeof operationSchema> | null {
  if (!op) return null;
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    error: op.error,
    createdAt: iso(op.createdAt),
    updatedAt: iso(op.updatedAt),
    finishedAt: op.finishedAt === null ? null : iso(op.finishedAt),
  };
}

export function savepointView(sp: SavepointRecord): z.output<typeof savepointSchema> {
  return {
    path: sp.path,
    kind: sp.kind,
    reason: sp.reason,
    version: sp.version,
    flinkJobId: sp.flinkJobId,
    createdAt: iso(sp.createdAt),
  };
}

/** The derived state of a job from the store and the last observation of Flink. */
export const jobState = shownState;

export function jobSummary(
  store: JobStore,
  job: JobRecord,
  observation: ObservationResult | undefined,
  restartLimit: number,
  flow?: JobFlow | undefined,
  reads?: JobReads,
): JobSummary {
  const { derived, flinkJobId, flinkState } = jobState(store, job, observation, restartLimit, reads);
  return {
    name: job.name,
    version: job.currentVersion,
    desiredState: job.desiredState,
    state: derived.state,
    ...(derived.reason ? { reason: derived.reason } : {}),
    flinkJobId,
    flinkState,
    conditions: conditionsView(flow?.conditions ?? []),
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
}

/**
 * One page of `GET /v1/jobs`: the first `limit` jobs after `cursor`, by name, with their store
 * records read for the whole page at once, and where the next page starts.
 */
export function jobList(
  deps: {
    store: JobStore;
    observation: ObservationResult | undefined;
    restartLimit: number;
    flowOf: (jobName: string) => JobFlow | undefined;
    strays: readonly FlinkJobSummary[];
  },
  page: { limit: number; cursor?: string | undefined },
): JobList {
  const { store, observation, restartLimit } = deps;
  const found = jobPage(store, page.cursor, page.limit + 1);
  const jobs = found.slice(0, page.limit);
  const reads = batchReads(
    store,
    jobs.map((job) => job.name),
  );
  return {
    jobs: jobs.map((job) => jobSummary(store, job, observation, restartLimit, deps.flowOf(job.name), reads)),
    strays: deps.strays.map((s) => ({ flinkJobId: s.id, pipelineName: s.name, state: s.state })),
    nextCursor: found.length > page.limit ? (jobs.at(-1)?.name ?? null) : null,
  };
}

export interface DetailDeps {
  store: JobStore;
  compiler: JobCompiler;
  observation: ObservationResult | undefined;
  restartLimit: number;
  duplicates: string[];
  /** Masks secret values in text from Flink. */
  scrub: (text: string) => string;
  /** Recent exceptions of a Flink job as the reconcile passes last read them (no Flink call). */
  exceptionsOf: (flinkJobId: string) => readonly FlinkException[];
  /** The job's flow as the reconciler last read it (no Flink call). */
  flowOf?: ((jobName: string) => JobFlow | undefined) | undefined;
  /** The thresholds the job's current version is judged by (its spec's `flow` over the API's defaults). */
  thresholdsOf: (job: JobRecord) => JobThresholds;
  now?: (() => number) | undefined;
}

export function jobDetail(deps: DetailDeps, job: JobRecord): JobDetail {
  const { store, compiler } = deps;
  const flow = deps.flowOf?.(job.name);
  const summary = jobSummary(store, job, deps.observation, deps.restartLimit, flow);
  const version = store.getVersion(job.name, job.currentVersion);
  const spec = (version?.spec ?? {}) as Record<string, unknown>;
  let exceptions: JobDetail["exceptions"] = [];
  // A job Flink does not show yet, or that is still starting, has no exceptions to show.
  if (
    summary.flinkJobId &&
    deps.observation?.reachable &&
    summary.flinkState !== null &&
    !NOT_STARTED.has(summary.flinkState)
  ) {
    exceptions = deps
      .exceptionsOf(summary.flinkJobId)
      .slice(0, 10)
      .map((e) => ({ timestamp: iso(e.timestamp), message: deps.scrub(e.message) }));
  }
  return {
    ...summary,
    ...(typeof spec.description === "string" ? { description: spec.description } : {}),
    spec,
    sql: (version?.compiled.statements ?? []).map((s) => ({
      kind: s.kind,
      sql: compiler.redactSecrets(s.sql),
    })),
    secretNames: version?.compiled.secretNames ?? [],
    savepoints: store.listSavepoints(job.name).map(savepointView),
    exceptions,
    operation: operationView(store.activeOperation(job.name)),
    lastOperation: operationView(store.lastOperation(job.name)),
    versions: store
      .listVersions(job.name)
      .map((v) => ({ version: v.version, status: v.status, createdAt: iso(v.createdAt) })),
    runs: store.listRuns(job.name).map((r) => ({
      flinkJobId: r.flinkJobId,
      version: r.version,
      restoredFrom: r.restoredFrom,
      submittedAt: iso(r.submittedAt),
    })),
    duplicates: deps.duplicates,
    recovery: recoveryOf(version?.spec ?? { name: job.name }),
    flow: flowView(flow, (deps.now ?? Date.now)()),
    flowThresholds: thresholdsView(deps.thresholdsOf(job)),
  };
}
