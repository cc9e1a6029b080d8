import { TERMINAL_FLINK_STATES } from "../../flink/port.ts";
import type { RestoreRequest, UpgradeParams, UpgradeProgress } from "../../store/operation-records.ts";
import { attempt, failed, type OperationScope, observed, type Step, WAIT } from "./step.ts";
import { stopStep } from "./stop.ts";
import { submitStep } from "./submit.ts";

/**
 * The `upgrade` operation: stop with a savepoint, submit the new version from it, verify it
 * stays RUNNING; on failure roll back to the old version from the same savepoint.
 */
export async function upgradeOperation(
  scope: OperationScope,
  params: UpgradeParams,
  p: UpgradeProgress,
): Promise<Step> {
  p.phase ??= "stop";
  p.stop ??= {};
  const stopProgress = p.stop;
  if (p.phase === "stop") {
    const step = await attempt(scope, () =>
      stopStep(scope, { mode: "savepoint", drain: false }, stopProgress, "upgrade"),
    );
    if (step.kind === "wait") return step;
    if (step.kind === "failed") {
      keepOldVersion(scope, params);
      return failed(`${step.message}; v${params.fromVersion} keeps running`);
    }
    p.phase = "submit";
    p.submit = {};
    scope.save();
  }
  const savepoint = stopProgress.savepointPath;
  if (p.phase === "submit") return submitNewVersion(scope, params, p, savepoint);
  return rollback(scope, params, p, savepoint);
}

async function submitNewVersion(
  scope: OperationScope,
  params: UpgradeParams,
  p: UpgradeProgress,
  savepoint: string | undefined,
): Promise<Step> {
  const { ctx, jobName } = scope;
  const { store, now } = ctx;
  const { fromVersion, toVersion } = params;
  const restore: RestoreRequest = params.stateless ? { mode: "none" } : restoreFrom(savepoint);
  p.submit ??= {};
  const progress = p.submit;
  const step = await attempt(scope, () =>
    submitStep(scope, {
      version: toVersion,
      restore,
      progress,
      verify: true,
      allowStateLoss: params.allowStateLoss,
    }),
  );
  if (step.kind === "wait") return step;
  if (step.kind === "done") {
    // Enrichments the new version dropped: tell the enricher to stop them.
    const kept = new Set(store.getVersion(jobName, toVersion)?.compiled.enrichmentTasks.map((t) => t.id));
    const dropped = (store.getVersion(jobName, fromVersion)?.compiled.enrichmentTasks ?? [])
      .map((t) => t.id)
      .filter((id) => !kept.has(id));
    if (ctx.tasks && dropped.length > 0) await ctx.tasks.remove(dropped);
    return step;
  }
  // The new version cannot run (typically: Flink cannot map the old state). Put the old one back.
  const newJob = progress.flinkJobId;
  if (newJob) {
    const seen = (await observed(scope)).jobs.find((j) => j.id === newJob);
    if (!seen || !TERMINAL_FLINK_STATES.has(seen.state)) {
      await ctx.flink.cancel(newJob).catch(() => undefined);
    }
  }
  store.transaction(() => {
    keepOldVersion(scope, params);
    store.addEvent(
      jobName,
      "upgrade-rolled-back",
      `v${toVersion} failed (${step.message}); restoring v${fromVersion}`,
      { fromVersion, toVersion, savepoint: savepoint ?? null },
      now(),
    );
  });
  p.failure = step.message;
  p.phase = "rollback";
  p.rollback = {};
  scope.save();
  if (store.getJob(jobName)?.desiredState !== "RUNNING" || p.stop?.targetJobId === null) {
    return failed(`upgrade to v${toVersion} failed: ${step.message}; v${fromVersion} is kept`);
  }
  return WAIT;
}

async function rollback(
  scope: OperationScope,
  params: UpgradeParams,
  p: UpgradeProgress,
  savepoint: string | undefined,
): Promise<Step> {
  const { fromVersion, toVersion } = params;
  p.rollback ??= {};
  const progress = p.rollback;
  const step = await submitStep(scope, {
    version: fromVersion,
    restore: restoreFrom(savepoint),
    progress,
    verify: false,
  });
  if (step.kind === "wait") return step;
  if (step.kind === "failed") {
    return failed(
      `upgrade to v${toVersion} failed: ${p.failure}; restoring v${fromVersion} also failed: ${step.message}`,
    );
  }
  const restored = savepoint ? ` from savepoint ${savepoint}` : "";
  return failed(`upgrade to v${toVersion} failed: ${p.failure}; v${fromVersion} restored${restored}`);
}

function restoreFrom(savepoint: string | undefined): RestoreRequest {
  return savepoint ? { mode: "path", path: savepoint } : { mode: "latest" };
}

/** The new version is rejected; the old one is the job's current version again. */
export function keepOldVersion(scope: Pick<OperationScope, "ctx" | "jobName">, params: UpgradeParams): void {
  const { store, now } = scope.ctx;
  store.transaction(() => {
    store.markVersionRejected(scope.jobName, params.toVersion);
    store.updateJob(scope.jobName, { currentVersion: params.fromVersion }, now());
  });
}
