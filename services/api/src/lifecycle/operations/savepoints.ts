import type { StopProgress } from "../../store/operation-records.ts";
import type { LifecycleContext } from "../context.ts";
import { DONE, failed, type OperationScope, observed, type Step, WAIT } from "./step.ts";

/** Savepoint triggers re-issued after transient failures before the operation fails. */
const MAX_RETRIGGERS = 30;
/** Retries of a savepoint that failed for a reason not known to be transient. */
const MAX_FAILED_SAVEPOINT_RETRIES = 2;
/** Pause before triggering again: tasks typically need a second or two to be ready. */
const RETRIGGER_DELAY_MS = 1_000;

/** Records a savepoint (or a checkpoint used as one) with an event, in one transaction. */
export function recordSavepoint(
  ctx: LifecycleContext,
  savepoint: {
    jobName: string;
    flinkJobId: string;
    path: string;
    kind: "savepoint" | "checkpoint";
    reason: string;
    version?: number | undefined;
  },
): void {
  const { store, now } = ctx;
  const { jobName, flinkJobId, path, kind, reason } = savepoint;
  const version =
    savepoint.version ?? store.getRun(flinkJobId)?.version ?? store.getJob(jobName)?.currentVersion ?? 0;
  store.transaction(() => {
    store.addSavepoint({ jobName, version, flinkJobId, path, kind, reason, createdAt: now() });
    store.addEvent(
      jobName,
      `${kind}-recorded`,
      `${kind} ${path} recorded (${reason})`,
      { path, flinkJobId },
      now(),
    );
  });
}

/** A job that ended FINISHED took a savepoint on its way out: keep it if it is not recorded yet. */
export async function recoverStopSavepoint(
  ctx: LifecycleContext,
  jobName: string,
  flinkJobId: string,
  reason: string,
): Promise<void> {
  const checkpoint = await ctx.flink.latestCheckpoint(flinkJobId).catch(() => undefined);
  if (checkpoint?.isSavepoint && !ctx.store.findSavepoint(jobName, checkpoint.path)) {
    recordSavepoint(ctx, { jobName, flinkJobId, path: checkpoint.path, kind: "savepoint", reason });
  }
}

/** A failed trigger is being retried and the pause before the next one is not over. */
export function pausingBeforeRetrigger(p: StopProgress, now: number): boolean {
  return Boolean(p.retriggers) && p.requestedAt !== undefined && now - p.requestedAt < RETRIGGER_DELAY_MS;
}

/**
 * A savepoint trigger that failed for a transient reason (tasks still deploying) stays failed
 * when polled again: forget it so the next pass triggers a new one, a bounded number of times.
 */
export function retrigger(
  ctx: LifecycleContext,
  p: StopProgress,
  status: { retryable?: boolean | undefined; reason: string },
): boolean {
  const attempts = p.retriggers ?? 0;
  // Tasks not ready yet: worth many tries. Any other failure (e.g. a task failed during the
  // savepoint and the job restarted): a couple more, then report it.
  if (attempts >= (status.retryable ? MAX_RETRIGGERS : MAX_FAILED_SAVEPOINT_RETRIES)) return false;
  ctx.log.info({ attempts: attempts + 1, reason: status.reason }, "savepoint failed; triggering again");
  delete p.triggerId;
  p.retriggers = attempts + 1;
  return true;
}

/**
 * Polls the savepoint trigger `triggerId` (the one in `p`): WAIT while in progress (or triggering
 * again after a failure), the failure, or the completed savepoint's path (recorded, kept in `p`).
 */
export async function pollTrigger(
  scope: OperationScope,
  p: StopProgress,
  trigger: { flinkJobId: string; triggerId: string },
  what: { reason: string; failure: string },
): Promise<Step | { path: string }> {
  const { ctx, jobName, save } = scope;
  const { flinkJobId, triggerId } = trigger;
  const status = await ctx.flink.pollSavepoint(flinkJobId, triggerId);
  if (status.status === "IN_PROGRESS") return WAIT;
  if (status.status === "FAILED") {
    if (retrigger(ctx, p, status)) {
      save();
      return WAIT;
    }
    return failed(`${what.failure}: ${status.reason}`);
  }
  recordSavepoint(ctx, { jobName, flinkJobId, path: status.path, kind: "savepoint", reason: what.reason });
  p.savepointPath = status.path;
  save();
  return { path: status.path };
}

/** A manual savepoint of the running job; the job keeps running. */
export async function savepointStep(scope: OperationScope, p: StopProgress): Promise<Step> {
  const { ctx, jobName, save } = scope;
  const { store, flink, now } = ctx;
  if (p.targetJobId === undefined) {
    const obs = await observed(scope);
    const run = store.latestRun(jobName);
    const seen = run && obs.jobs.find((j) => j.id === run.flinkJobId);
    if (!run || !seen || seen.state !== "RUNNING") return failed("the job is not running");
    p.targetJobId = run.flinkJobId;
    save();
  }
  const id = p.targetJobId;
  if (id === null) return failed("the job is not running");
  if (p.triggerId === undefined) {
    if (pausingBeforeRetrigger(p, now())) return WAIT;
    p.requestedAt = now();
    p.triggerId = (await flink.triggerSavepoint(id, { targetDirectory: ctx.config.savepointDir })).triggerId;
    save();
    return WAIT;
  }
  const polled = await pollTrigger(
    scope,
    p,
    { flinkJobId: id, triggerId: p.triggerId },
    {
      reason: "manual",
      failure: "savepoint failed",
    },
  );
  return "path" in polled ? DONE : polled;
}
