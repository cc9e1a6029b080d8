import { ACTIVE_FLINK_STATES, type FlinkJobSummary, isFlinkError, pipelineName } from "../../flink/port.ts";
import type { RestoreRequest, SubmitProgress } from "../../store/operation-records.ts";
import type { VersionRecord } from "../../store/store.ts";
import type { LifecycleContext, Observation } from "../context.ts";
import { missingSecrets, secretVariable } from "../secrets.ts";
import { recordSavepoint } from "./savepoints.ts";
import { DONE, failed, type OperationScope, type Step, WAIT } from "./step.ts";

/** Clock skew tolerated between this host and the JobManager when matching jobs by start time. */
const SKEW_MS = 60_000;

/** One submission of one version, as a step of an operation (submit, upgrade, rollback). */
export interface SubmitRequest {
  version: number;
  restore: RestoreRequest;
  /** This submission's progress, mutated in place and saved through the scope. */
  progress: SubmitProgress;
  /** Upgrades: done only once the new Flink job has stayed RUNNING for `upgradeVerifyMs`. */
  verify: boolean;
  /** Start even if some of the restored state maps to no operator (that state is dropped). */
  allowStateLoss?: boolean | undefined;
}

/**
 * Submits a version of the job: looks for a Flink job already carrying `sluice/<name>/v<version>`
 * and adopts it; otherwise records `startedAt`, submits, records the Flink job id.
 */
export async function submitStep(scope: OperationScope, request: SubmitRequest): Promise<Step> {
  const { ctx, jobName, save } = scope;
  const { version, progress: p } = request;
  const versionRecord = ctx.store.getVersion(jobName, version);
  if (!versionRecord) return failed(`version ${version} of ${jobName} is not recorded`);
  if (p.restorePath === undefined) {
    p.restorePath = await resolveRestore(ctx, jobName, version, request.restore);
    save();
  }
  if (p.flinkJobId === undefined) return startJob(scope, request, versionRecord);
  return request.verify ? verifyRunning(scope, version, p) : DONE;
}

async function startJob(scope: OperationScope, request: SubmitRequest, record: VersionRecord): Promise<Step> {
  const { ctx, save } = scope;
  const { now, config } = ctx;
  const { version, progress: p } = request;
  const name = pipelineName(scope.jobName, version);
  const startedAt = p.startedAt;
  const missing = missingSecrets(ctx, record.compiled);
  const publishTasks =
    !p.tasksPublished && ctx.tasks !== undefined && record.compiled.enrichmentTasks.length > 0;
  const known = scope.listing.arrived();
  if (known && !known.observation) return WAIT;
  let seen = known?.observation;
  if (!seen && (startedAt !== undefined || missing.length > 0 || publishTasks)) {
    // Only a plain first submission overlaps the listing; anything else decides on it first.
    seen = await scope.listing.read();
    if (!seen) return WAIT;
  }
  // Adopt before submitting: never run the same version twice.
  const existing = seen && runningVersion(ctx, name, startedAt, seen);
  if (existing) return adopt(scope, request, existing);
  if (startedAt !== undefined && now() - startedAt < config.submitGraceMs) {
    // A submission was under way when the API stopped; give it time to show up in Flink.
    return WAIT;
  }
  if (missing.length > 0) {
    return failed(
      `secrets not configured: ${missing.map((n) => secretVariable(config.secretEnvPrefix, n)).join(", ")}`,
    );
  }
  if (publishTasks && ctx.tasks) {
    // Before Flink starts writing requests, so the enricher is ready for them.
    await ctx.tasks.publish(record.compiled.enrichmentTasks);
    p.tasksPublished = true;
    save();
  }
  const submitted = await execute(scope, request, record, seen === undefined);
  if ("kind" in submitted) return submitted;
  const { jobId } = submitted;
  const from = p.restorePath ? ` from ${p.restorePath}` : " with empty state";
  return recordRun(
    scope,
    request,
    { flinkJobId: jobId, submittedAt: now() },
    {
      type: "submitted",
      message: `submitted v${version} as Flink job ${jobId}${from}`,
      data: { flinkJobId: jobId, version, restoredFrom: p.restorePath ?? null },
    },
  );
}

/**
 * Runs the version's statements in a SQL Gateway session. With the listing still pending
 * (`overlap`), the session and the DDL go ahead meanwhile; the listing is checked before the
 * statement set, the only statement that starts a job, is executed.
 */
async function execute(
  scope: OperationScope,
  request: SubmitRequest,
  record: VersionRecord,
  overlap: boolean,
): Promise<{ jobId: string } | Step> {
  const { ctx, save } = scope;
  const { progress: p } = request;
  const name = pipelineName(scope.jobName, request.version);
  const lookup = (secret: string) => ctx.env[secretVariable(ctx.config.secretEnvPrefix, secret)];
  const statements = record.compiled.statements.map((s) => ({
    kind: s.kind,
    sql: ctx.compiler.resolveSecrets(s.sql, lookup),
  }));
  const settings: Record<string, string> = {
    "pipeline.name": name,
    // Keep checkpoints when a job fails or is cancelled, so an automatic restart can resume from one.
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
  };
  if (p.restorePath) settings["execution.state-recovery.path"] = p.restorePath;
  if (p.restorePath && request.allowStateLoss)
    settings["execution.state-recovery.ignore-unclaimed-state"] = "true";
  const gate: { gaveWay?: FlinkJobSummary | "unreachable" } = {};
  const startedAt = p.startedAt;
  const beforeExecute = overlap
    ? async () => {
        const listed = await scope.listing.read();
        gate.gaveWay = listed ? runningVersion(ctx, name, startedAt, listed) : "unreachable";
        if (gate.gaveWay)
          throw new Error(
            `not executing the statement set of ${name}: ${gate.gaveWay === "unreachable" ? "Flink is unreachable" : `Flink job ${gate.gaveWay.id} runs it`}`,
          );
      }
    : undefined;
  p.startedAt = ctx.now();
  save();
  try {
    return await ctx.flink.submit({ settings, statements, beforeExecute });
  } catch (error) {
    if (gate.gaveWay) {
      // Nothing was executed: as if this submission had not begun.
      delete p.startedAt;
      save();
      return gate.gaveWay === "unreachable" ? WAIT : adopt(scope, request, gate.gaveWay);
    }
    if (isFlinkError(error) && error.code === "FLINK_UNREACHABLE") {
      // Nothing reached the gateway: no need to wait for a job to show up next time.
      delete p.startedAt;
      save();
    }
    throw error;
  }
}

/** A Flink job already running this version (or started by a submission cut short by a crash). */
function runningVersion(
  ctx: LifecycleContext,
  name: string,
  startedAt: number | undefined,
  seen: Observation,
): FlinkJobSummary | undefined {
  return seen.jobs
    .filter(
      (j) =>
        j.name === name &&
        (ACTIVE_FLINK_STATES.has(j.state) ||
          (startedAt !== undefined && j.startTime >= startedAt - SKEW_MS && !ctx.store.getRun(j.id))),
    )
    .sort((a, b) => b.startTime - a.startTime)[0];
}

function adopt(scope: OperationScope, request: SubmitRequest, existing: FlinkJobSummary): Step {
  const name = pipelineName(scope.jobName, request.version);
  return recordRun(
    scope,
    request,
    { flinkJobId: existing.id, submittedAt: existing.startTime },
    {
      type: "adopted",
      message: `adopted Flink job ${existing.id} (${name}) instead of submitting`,
      data: { flinkJobId: existing.id },
    },
  );
}

/** Records the Flink job that runs this submission (submitted or adopted) and watches it start. */
function recordRun(
  scope: OperationScope,
  request: SubmitRequest,
  run: { flinkJobId: string; submittedAt: number },
  event: { type: string; message: string; data: Record<string, unknown> },
): Step {
  const { store, now } = scope.ctx;
  const { jobName, operationId } = scope;
  const { version, progress: p } = request;
  store.transaction(() => {
    store.recordRun({ ...run, jobName, version, restoredFrom: p.restorePath ?? null, operationId });
    store.addEvent(jobName, event.type, event.message, event.data, now());
  });
  p.flinkJobId = run.flinkJobId;
  scope.save();
  scope.onSubmitted?.(run.flinkJobId);
  return request.verify ? WAIT : DONE;
}

/** An upgrade's new Flink job must stay RUNNING for `upgradeVerifyMs` before it counts. */
async function verifyRunning(scope: OperationScope, version: number, p: SubmitProgress): Promise<Step> {
  const { ctx, save } = scope;
  const { now, config } = ctx;
  const seen = await scope.listing.read();
  if (!seen || p.flinkJobId === undefined) return WAIT;
  const state = seen.jobs.find((j) => j.id === p.flinkJobId)?.state;
  if (state === "RUNNING") {
    if (p.runningSince === undefined) {
      p.runningSince = now();
      save();
    }
    return now() - p.runningSince >= config.upgradeVerifyMs ? DONE : WAIT;
  }
  if (state === undefined || state === "INITIALIZING" || state === "CREATED" || state === "RECONCILING")
    return WAIT;
  const exceptions = await ctx.flink.exceptions(p.flinkJobId).catch(() => []);
  const reason = exceptions[0]?.message ?? "no exception reported";
  return failed(`Flink job ${p.flinkJobId} of v${version} went ${state}: ${reason}`);
}

async function resolveRestore(
  ctx: LifecycleContext,
  jobName: string,
  version: number,
  restore: RestoreRequest,
): Promise<string | null> {
  const { store, flink } = ctx;
  switch (restore.mode) {
    case "none":
      return null;
    case "path":
      return restore.path;
    case "latest":
      return store.listSavepoints(jobName)[0]?.path ?? null;
    case "auto": {
      const savepoint = store.listSavepoints(jobName)[0];
      const checkpoint = await flink.latestCheckpoint(restore.failedJobId).catch(() => undefined);
      if (checkpoint && (!savepoint || checkpoint.completedAt > savepoint.createdAt)) {
        const kind = checkpoint.isSavepoint ? "savepoint" : "checkpoint";
        const { path } = checkpoint;
        recordSavepoint(ctx, {
          jobName,
          flinkJobId: restore.failedJobId,
          path,
          kind,
          reason: "restart",
          version,
        });
        return path;
      }
      return savepoint?.path ?? null;
    }
    default: {
      const never: never = restore;
      throw new Error(`unknown restore mode ${JSON.stringify(never)}`);
    }
  }
}
