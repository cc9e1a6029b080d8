import { ACTIVE_FLINK_STATES, TERMINAL_FLINK_STATES } from "../../flink/port.ts";
import type { StopParams, StopProgress } from "../../store/operation-records.ts";
import { removeRetainedCheckpoints } from "../retained.ts";
import { pausingBeforeRetrigger, pollTrigger, recoverStopSavepoint } from "./savepoints.ts";
import { DONE, type OperationScope, observed, type Step, WAIT } from "./step.ts";

/**
 * Stops the job's current Flink job: records the target, triggers stop-with-savepoint (or
 * cancels), records the trigger, polls it, records the savepoint, waits for the job to end.
 * Done at once when nothing runs. `reason` names the operation in the recorded savepoint.
 */
export async function stopStep(
  scope: OperationScope,
  params: StopParams,
  p: StopProgress,
  reason: string,
): Promise<Step> {
  const { ctx, jobName, save } = scope;
  const { store, flink, now, config } = ctx;
  const obs = await observed(scope);
  if (p.targetJobId === undefined) {
    const run = store.latestRun(jobName);
    const seen = run && obs.jobs.find((j) => j.id === run.flinkJobId);
    if (!run || !seen || !ACTIVE_FLINK_STATES.has(seen.state)) {
      if (run && seen?.state === "FINISHED" && params.mode === "savepoint") {
        await recoverStopSavepoint(ctx, jobName, run.flinkJobId, reason);
      }
      p.targetJobId = null;
      save();
      return DONE;
    }
    p.targetJobId = run.flinkJobId;
    save();
  }
  if (p.targetJobId === null) return DONE;
  const id = p.targetJobId;
  const state = obs.jobs.find((j) => j.id === id)?.state ?? "MISSING";
  const ended = state === "MISSING" || TERMINAL_FLINK_STATES.has(state);

  if (params.mode === "cancel") {
    if (ended) return DONE;
    if (!p.cancelRequested) {
      await flink.cancel(id);
      p.cancelRequested = true;
      save();
    }
    return WAIT;
  }

  if (p.savepointPath !== undefined) return ended ? DONE : WAIT;
  if (p.triggerId === undefined) {
    if (ended) {
      // The job ended while we were not looking (or a crash hid the trigger): keep its savepoint if it took one.
      if (state === "FINISHED") await recoverStopSavepoint(ctx, jobName, id, reason);
      return DONE;
    }
    if (pausingBeforeRetrigger(p, now())) return WAIT;
    p.requestedAt = now();
    save();
    p.triggerId = (
      await flink.stopWithSavepoint(id, { drain: params.drain, targetDirectory: config.savepointDir })
    ).triggerId;
    save();
    return WAIT;
  }
  const polled = await pollTrigger(
    scope,
    p,
    { flinkJobId: id, triggerId: p.triggerId },
    {
      reason,
      failure: `stop-with-savepoint of Flink job ${id} failed`,
    },
  );
  if (!("path" in polled)) return polled;
  return ended ? DONE : WAIT;
}

/** The `stop` operation: on failure the job keeps running, and its desired state says so. */
export async function stopOperation(
  scope: OperationScope,
  params: StopParams,
  p: StopProgress,
): Promise<Step> {
  const step = await stopStep(scope, params, p, "stop");
  if (step.kind === "failed") {
    scope.ctx.store.updateJob(scope.jobName, { desiredState: "RUNNING" }, scope.ctx.now());
  }
  return step;
}

/** The `delete` operation: stop, then remove the job's enrichment tasks and every record of it. */
export async function deleteOperation(
  scope: OperationScope,
  params: StopParams,
  p: StopProgress,
): Promise<Step> {
  const step = await stopStep(scope, params, p, "delete");
  if (step.kind !== "done") return step;
  const { ctx, jobName } = scope;
  const taskIds = new Set(
    ctx.store.listVersions(jobName).flatMap((v) => v.compiled.enrichmentTasks.map((t) => t.id)),
  );
  if (ctx.tasks && taskIds.size > 0) await ctx.tasks.remove([...taskIds]);
  const flinkJobIds = ctx.store.listRuns(jobName).map((r) => r.flinkJobId);
  ctx.store.deleteJob(jobName);
  if (ctx.config.checkpointDir !== undefined) {
    // Retained checkpoints of a deleted job resume nothing any more (savepoints are kept: they are the user's).
    const removed = await removeRetainedCheckpoints(ctx.config.checkpointDir, flinkJobIds).catch(
      (error: unknown) => {
        // E.g. in docker-compose the files belong to Flink's user: the job is deleted all the same.
        ctx.log.warn({ job: jobName, err: error }, "could not remove the deleted job's retained checkpoints");
        return 0;
      },
    );
    if (removed > 0)
      ctx.log.info({ job: jobName, removed }, "retained checkpoints of the deleted job removed");
  }
  ctx.log.info({ job: jobName }, "job deleted");
  return DONE;
}
