import {
  ACTIVE_FLINK_STATES,
  type FlinkJobSummary,
  isFlinkError,
  pipelineName,
  TERMINAL_FLINK_STATES,
} from "../flink/port.ts";
import type { OperationRecord } from "../store/store.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { missingSecrets, scrub, secretValues, secretVariable } from "./secrets.ts";

/**
 * Recorded operations, advanced one short step per reconcile pass. Each step first writes
 * what it is about to do into the operation's progress, then acts, then writes the result, so
 * that a crash at any point is resumed at restart without acting twice:
 *
 * - submit: look for a Flink job already carrying `sluice/<name>/v<version>` and adopt it;
 *   otherwise record `startedAt`, submit, record the Flink job id.
 * - stop: record the target, trigger stop-with-savepoint (or cancel), record the trigger,
 *   poll it, record the savepoint, wait for the job to end.
 * - upgrade: stop with a savepoint, submit the new version from it, verify it stays RUNNING;
 *   on failure roll back to the old version from the same savepoint.
 */

/** Where a submission restores state from. */
export type RestoreRequest =
  | { mode: "none" }
  /** The newest savepoint Sluice recorded for the job (none: empty state). */
  | { mode: "latest" }
  | { mode: "path"; path: string }
  /** Automatic restart: the newest of the recorded savepoints and the failed job's last checkpoint. */
  | { mode: "auto"; failedJobId: string };

export interface SubmitParams {
  version: number;
  restore: RestoreRequest;
  reason: "create" | "start" | "restart" | "update";
}
export interface StopParams {
  mode: "savepoint" | "cancel";
  drain: boolean;
}
export interface UpgradeParams {
  fromVersion: number;
  toVersion: number;
  stateless: boolean;
}
export type DeleteParams = StopParams;

interface SubmitProgress {
  restorePath?: string | null;
  /** The version's enrichment tasks were published (idempotent: compacted topic, same key). */
  tasksPublished?: boolean;
  /** Set before calling the SQL Gateway: after a crash, the job may exist without a record. */
  startedAt?: number;
  flinkJobId?: string;
  runningSince?: number;
}
interface StopProgress {
  /** The Flink job to stop; `null` when nothing was running. */
  targetJobId?: string | null;
  requestedAt?: number;
  triggerId?: string;
  cancelRequested?: boolean;
  savepointPath?: string;
  /** Savepoint triggers re-issued after a transient failure. */
  retriggers?: number;
}
interface UpgradeProgress {
  phase?: "stop" | "submit" | "rollback";
  stop?: StopProgress;
  submit?: SubmitProgress;
  rollback?: SubmitProgress;
  failure?: string;
}

type Step = { kind: "wait" } | { kind: "done" } | { kind: "failed"; message: string };
const WAIT: Step = { kind: "wait" };
const DONE: Step = { kind: "done" };
const failed = (message: string): Step => ({ kind: "failed", message });

/** Transient failures (Flink or Kafka unavailable): the step is retried on the next pass. */
function isRetryable(error: unknown): boolean {
  if (isFlinkError(error)) return error.retryable;
  return (error as { retryable?: unknown } | null)?.retryable === true;
}

/** Savepoint triggers re-issued after transient failures before the operation fails. */
const MAX_RETRIGGERS = 30;
/** Retries of a savepoint that failed for a reason not known to be transient. */
const MAX_FAILED_SAVEPOINT_RETRIES = 2;
/** Pause before triggering again: tasks typically need a second or two to be ready. */
const RETRIGGER_DELAY_MS = 1_000;

/**
 * The listing of Flink jobs of the pass under way, still being read; `undefined` when Flink is
 * unreachable. A first submission opens its SQL Gateway session and runs its DDL meanwhile
 * (see {@link OperationRunner.isFirstSubmission}).
 */
export type PendingObservation = Promise<Observation | undefined>;

/** Clock skew tolerated between this host and the JobManager when matching jobs by start time. */
const SKEW_MS = 60_000;

export class OperationRunner {
  readonly ctx: LifecycleContext;
  /** Told the Flink job id of every submission or adoption, to watch it start. */
  onSubmitted: ((flinkJobId: string) => void) | undefined;

  constructor(ctx: LifecycleContext) {
    this.ctx = ctx;
  }

  /**
   * A submit operation that has never called the SQL Gateway (no `startedAt`): the reconciler
   * may advance it before its listing of Flink jobs has arrived, because nothing that starts a
   * job is executed until the listing is checked for a job already carrying the version's
   * pipeline.name (the SQL Gateway session and the DDL start none). Saves the listing's time
   * (~10 ms on a cluster that retains hundreds of finished jobs) on every submission.
   */
  static isFirstSubmission(op: OperationRecord, now: number, timeoutMs: number): boolean {
    const progress = op.progress as SubmitProgress;
    return (
      op.kind === "submit" &&
      progress.startedAt === undefined &&
      progress.flinkJobId === undefined &&
      now - op.createdAt <= timeoutMs
    );
  }

  /**
   * Moves `op` one step forward. Never throws: transient Flink errors leave the step to the next pass.
   * `obs` may still be pending only for a {@link isFirstSubmission}; any other step waits for it.
   */
  async advance(op: OperationRecord, pendingOrSeen: Observation | PendingObservation): Promise<void> {
    const { store, now } = this.ctx;
    const first = OperationRunner.isFirstSubmission(op, now(), this.ctx.config.operationTimeoutMs);
    const obs = pendingOrSeen instanceof Promise && !first ? await pendingOrSeen : pendingOrSeen;
    if (obs === undefined) return; // Flink unreachable: nothing to act on
    /** The listing, for every step but a first submission (which never gets here with it pending). */
    const seen = (): Observation => {
      if (obs instanceof Promise) throw new Error(`operation ${op.id}: Flink's job listing is still pending`);
      return obs;
    };
    if (op.status === "pending") store.updateOperation(op.id, { status: "running" }, now());
    const save = () => store.updateOperation(op.id, { progress: op.progress }, now());
    let step: Step;
    const age = now() - op.createdAt;
    if (age > this.ctx.config.operationTimeoutMs) {
      if (!(obs instanceof Promise)) await this.expire(op, obs, age);
      return;
    }
    try {
      switch (op.kind) {
        case "submit":
          step = await this.submitOp(
            op as unknown as OperationRecord<SubmitParams, SubmitProgress>,
            obs,
            save,
          );
          break;
        case "stop":
          step = await this.stopOp(op as unknown as OperationRecord<StopParams, StopProgress>, seen(), save);
          break;
        case "savepoint":
          step = await this.savepointOp(
            op as unknown as OperationRecord<Record<string, never>, StopProgress>,
            seen(),
            save,
          );
          break;
        case "upgrade":
          step = await this.upgradeOp(
            op as unknown as OperationRecord<UpgradeParams, UpgradeProgress>,
            seen(),
            save,
          );
          break;
        case "delete":
          step = await this.deleteOp(
            op as unknown as OperationRecord<DeleteParams, StopProgress>,
            seen(),
            save,
          );
          break;
        default: {
          const never: never = op.kind;
          step = failed(`unknown operation kind ${String(never)}`);
        }
      }
    } catch (error) {
      if (isRetryable(error)) {
        this.ctx.log.warn({ operation: op.id }, "operation step deferred: %s", (error as Error).message);
        return;
      }
      step = failed(this.message(op.jobName, error));
    }
    if (step.kind === "wait") return;
    if (!store.getJob(op.jobName)) return; // deleted by the operation itself
    store.transaction(() => {
      store.updateOperation(
        op.id,
        step.kind === "done"
          ? { status: "succeeded", progress: op.progress }
          : { status: "failed", progress: op.progress, error: step.message },
        now(),
      );
      store.addEvent(
        op.jobName,
        step.kind === "done" ? "operation-succeeded" : "operation-failed",
        step.kind === "done" ? `${op.kind} succeeded` : `${op.kind} failed: ${step.message}`,
        { operation: op.id, kind: op.kind },
        now(),
      );
    });
  }

  /**
   * Gives up on an operation that has run too long (Flink unreachable for minutes, a job that
   * never reaches the awaited state), so the job is not blocked for good. The desired state
   * follows what Flink shows: a stop whose job still runs leaves the job RUNNING.
   */
  private async expire(op: OperationRecord, obs: Observation, age: number): Promise<void> {
    const { store, now } = this.ctx;
    const run = store.latestRun(op.jobName);
    const state = run ? obs.jobs.find((j) => j.id === run.flinkJobId)?.state : undefined;
    const running = state !== undefined && ACTIVE_FLINK_STATES.has(state);
    const message = `${op.kind} did not finish within ${Math.round(age / 1000)} s; given up (the job is ${state ?? "not running"})`;
    store.transaction(() => {
      if ((op.kind === "stop" || op.kind === "delete") && running) {
        store.updateJob(op.jobName, { desiredState: "RUNNING" }, now());
      }
      if (op.kind === "upgrade") {
        // Unless the new version is the one running, the old version stays the current one.
        const { fromVersion, toVersion } = op.params as unknown as UpgradeParams;
        if (!(running && run?.version === toVersion)) {
          store.markVersionRejected(op.jobName, toVersion);
          store.updateJob(op.jobName, { currentVersion: fromVersion }, now());
        }
      }
      store.updateOperation(op.id, { status: "failed", error: message }, now());
      store.addEvent(
        op.jobName,
        "operation-failed",
        `${op.kind} failed: ${message}`,
        { operation: op.id },
        now(),
      );
    });
  }

  private message(jobName: string, error: unknown): string {
    const raw = error instanceof Error ? error.message : String(error);
    const job = this.ctx.store.getJob(jobName);
    const version = job ? this.ctx.store.getVersion(jobName, job.currentVersion) : undefined;
    return version ? scrub(raw, secretValues(this.ctx, version.compiled)) : raw;
  }

  // ---- operations -------------------------------------------------------------------------

  private async submitOp(
    op: OperationRecord<SubmitParams, SubmitProgress>,
    obs: Observation | PendingObservation,
    save: () => void,
  ): Promise<Step> {
    return this.stepSubmit(
      op.jobName,
      op.id,
      op.params.version,
      op.params.restore,
      op.progress,
      save,
      obs,
      false,
    );
  }

  private async stopOp(
    op: OperationRecord<StopParams, StopProgress>,
    obs: Observation,
    save: () => void,
  ): Promise<Step> {
    const step = await this.stepStop(op.jobName, op.params, op.progress, save, obs, "stop");
    if (step.kind === "failed") {
      // The job keeps running: say so instead of pretending it should be stopped.
      this.ctx.store.updateJob(op.jobName, { desiredState: "RUNNING" }, this.ctx.now());
    }
    return step;
  }

  private async deleteOp(
    op: OperationRecord<DeleteParams, StopProgress>,
    obs: Observation,
    save: () => void,
  ): Promise<Step> {
    const step = await this.stepStop(op.jobName, op.params, op.progress, save, obs, "delete");
    if (step.kind !== "done") return step;
    const taskIds = new Set(
      this.ctx.store.listVersions(op.jobName).flatMap((v) => v.compiled.enrichmentTasks.map((t) => t.id)),
    );
    if (this.ctx.tasks && taskIds.size > 0) await this.ctx.tasks.remove([...taskIds]);
    this.ctx.store.deleteJob(op.jobName);
    this.ctx.log.info({ job: op.jobName }, "job deleted");
    return DONE;
  }

  private async savepointOp(
    op: OperationRecord<Record<string, never>, StopProgress>,
    obs: Observation,
    save: () => void,
  ): Promise<Step> {
    const { store, flink, now } = this.ctx;
    const p = op.progress;
    if (p.targetJobId === undefined) {
      const run = store.latestRun(op.jobName);
      const observed = run && obs.jobs.find((j) => j.id === run.flinkJobId);
      if (!run || !observed || observed.state !== "RUNNING") return failed("the job is not running");
      p.targetJobId = run.flinkJobId;
      save();
    }
    const id = p.targetJobId as string;
    if (p.triggerId === undefined) {
      if (p.retriggers && p.requestedAt !== undefined && now() - p.requestedAt < RETRIGGER_DELAY_MS)
        return WAIT;
      p.requestedAt = now();
      p.triggerId = (
        await flink.triggerSavepoint(id, { targetDirectory: this.ctx.config.savepointDir })
      ).triggerId;
      save();
      return WAIT;
    }
    const status = await flink.pollSavepoint(id, p.triggerId);
    if (status.status === "IN_PROGRESS") return WAIT;
    if (status.status === "FAILED") {
      if (this.retrigger(p, status)) {
        save();
        return WAIT;
      }
      return failed(`savepoint failed: ${status.reason}`);
    }
    this.recordSavepoint(op.jobName, id, status.path, "savepoint", "manual");
    p.savepointPath = status.path;
    save();
    return DONE;
  }

  private async upgradeOp(
    op: OperationRecord<UpgradeParams, UpgradeProgress>,
    obs: Observation,
    save: () => void,
  ): Promise<Step> {
    const { store, now } = this.ctx;
    const { fromVersion, toVersion, stateless } = op.params;
    const p = op.progress;
    p.phase ??= "stop";
    p.stop ??= {};
    if (p.phase === "stop") {
      const stopProgress = p.stop;
      const step = await this.attempt(op.jobName, () =>
        this.stepStop(op.jobName, { mode: "savepoint", drain: false }, stopProgress, save, obs, "upgrade"),
      );
      if (step.kind === "wait") return step;
      if (step.kind === "failed") {
        store.transaction(() => {
          store.markVersionRejected(op.jobName, toVersion);
          store.updateJob(op.jobName, { currentVersion: fromVersion }, now());
        });
        return failed(`${step.message}; v${fromVersion} keeps running`);
      }
      p.phase = "submit";
      p.submit = {};
      save();
    }
    const savepoint = p.stop.savepointPath;
    const restore: RestoreRequest = stateless
      ? { mode: "none" }
      : savepoint
        ? { mode: "path", path: savepoint }
        : { mode: "latest" };
    if (p.phase === "submit") {
      p.submit ??= {};
      const submitProgress = p.submit;
      const step = await this.attempt(op.jobName, () =>
        this.stepSubmit(op.jobName, op.id, toVersion, restore, submitProgress, save, obs, true),
      );
      if (step.kind === "wait") return step;
      if (step.kind === "done") {
        // Enrichments the new version dropped: tell the enricher to stop them.
        const kept = new Set(
          store.getVersion(op.jobName, toVersion)?.compiled.enrichmentTasks.map((t) => t.id),
        );
        const dropped = (store.getVersion(op.jobName, fromVersion)?.compiled.enrichmentTasks ?? [])
          .map((t) => t.id)
          .filter((id) => !kept.has(id));
        if (this.ctx.tasks && dropped.length > 0) await this.ctx.tasks.remove(dropped);
        return step;
      }
      // The new version cannot run (typically: Flink cannot map the old state). Put the old one back.
      const newJob = p.submit.flinkJobId;
      if (newJob) {
        const observed = obs.jobs.find((j) => j.id === newJob);
        if (!observed || !TERMINAL_FLINK_STATES.has(observed.state)) {
          await this.ctx.flink.cancel(newJob).catch(() => undefined);
        }
      }
      store.transaction(() => {
        store.markVersionRejected(op.jobName, toVersion);
        store.updateJob(op.jobName, { currentVersion: fromVersion }, now());
        store.addEvent(
          op.jobName,
          "upgrade-rolled-back",
          `v${toVersion} failed (${step.message}); restoring v${fromVersion}`,
          { fromVersion, toVersion, savepoint: savepoint ?? null },
          now(),
        );
      });
      p.failure = step.message;
      p.phase = "rollback";
      p.rollback = {};
      save();
      if (store.getJob(op.jobName)?.desiredState !== "RUNNING" || p.stop.targetJobId === null) {
        return failed(`upgrade to v${toVersion} failed: ${step.message}; v${fromVersion} is kept`);
      }
      return WAIT;
    }
    // phase === "rollback"
    p.rollback ??= {};
    const oldRestore: RestoreRequest = savepoint ? { mode: "path", path: savepoint } : { mode: "latest" };
    const step = await this.stepSubmit(
      op.jobName,
      op.id,
      fromVersion,
      oldRestore,
      p.rollback,
      save,
      obs,
      false,
    );
    if (step.kind === "wait") return step;
    const restored = savepoint ? ` from savepoint ${savepoint}` : "";
    if (step.kind === "failed") {
      return failed(
        `upgrade to v${toVersion} failed: ${p.failure}; restoring v${fromVersion} also failed: ${step.message}`,
      );
    }
    return failed(`upgrade to v${toVersion} failed: ${p.failure}; v${fromVersion} restored${restored}`);
  }

  /**
   * Runs a step and turns a definitive error into a failed step, so that the operation can
   * react (an upgrade rolls back) instead of failing as a whole. Transient errors propagate:
   * the step is retried on the next pass.
   */
  private async attempt(jobName: string, step: () => Promise<Step>): Promise<Step> {
    try {
      return await step();
    } catch (error) {
      if (isRetryable(error)) throw error;
      return failed(this.message(jobName, error));
    }
  }

  /**
   * A savepoint trigger that failed for a transient reason (tasks still deploying) stays failed
   * when polled again: forget it so the next pass triggers a new one, a bounded number of times.
   */
  private retrigger(p: StopProgress, status: { retryable?: boolean | undefined; reason: string }): boolean {
    const attempts = p.retriggers ?? 0;
    // Tasks not ready yet: worth many tries. Any other failure (e.g. a task failed during the
    // savepoint and the job restarted): a couple more, then report it.
    if (attempts >= (status.retryable ? MAX_RETRIGGERS : MAX_FAILED_SAVEPOINT_RETRIES)) return false;
    this.ctx.log.info(
      { attempts: attempts + 1, reason: status.reason },
      "savepoint failed; triggering again",
    );
    delete p.triggerId;
    p.retriggers = attempts + 1;
    return true;
  }

  // ---- steps shared by operations ---------------------------------------------------------

  private async stepSubmit(
    jobName: string,
    operationId: number,
    version: number,
    restore: RestoreRequest,
    p: SubmitProgress,
    save: () => void,
    obs: Observation | PendingObservation,
    verify: boolean,
  ): Promise<Step> {
    const { store, flink, compiler, now, config } = this.ctx;
    const versionRecord = store.getVersion(jobName, version);
    if (!versionRecord) return failed(`version ${version} of ${jobName} is not recorded`);

    if (p.restorePath === undefined) {
      p.restorePath = await this.resolveRestore(jobName, version, restore);
      save();
    }

    if (p.flinkJobId === undefined) {
      const name = pipelineName(jobName, version);
      const startedAt = p.startedAt;
      /** A Flink job already running this version (or started by a submission cut short by a crash). */
      const existingIn = (seen: Observation): FlinkJobSummary | undefined =>
        seen.jobs
          .filter(
            (j) =>
              j.name === name &&
              (ACTIVE_FLINK_STATES.has(j.state) ||
                (startedAt !== undefined && j.startTime >= startedAt - SKEW_MS && !store.getRun(j.id))),
          )
          .sort((a, b) => b.startTime - a.startTime)[0];
      const adopt = (existing: FlinkJobSummary): Step => {
        store.transaction(() => {
          store.recordRun({
            flinkJobId: existing.id,
            jobName,
            version,
            restoredFrom: p.restorePath ?? null,
            operationId,
            submittedAt: existing.startTime,
          });
          store.addEvent(
            jobName,
            "adopted",
            `adopted Flink job ${existing.id} (${name}) instead of submitting`,
            {
              flinkJobId: existing.id,
            },
            now(),
          );
        });
        p.flinkJobId = existing.id;
        save();
        this.onSubmitted?.(existing.id);
        return verify ? WAIT : DONE;
      };
      const missing = missingSecrets(this.ctx, versionRecord.compiled);
      const publishTasks =
        !p.tasksPublished &&
        this.ctx.tasks !== undefined &&
        versionRecord.compiled.enrichmentTasks.length > 0;
      let seen = obs instanceof Promise ? undefined : obs;
      if (obs instanceof Promise && (startedAt !== undefined || missing.length > 0 || publishTasks)) {
        // Only a plain first submission overlaps the listing; anything else decides on it first.
        seen = await obs;
        if (!seen) return WAIT;
      }
      // Adopt before submitting: never run the same version twice.
      const existing = seen && existingIn(seen);
      if (existing) return adopt(existing);
      if (startedAt !== undefined && now() - startedAt < config.submitGraceMs) {
        // A submission was under way when the API stopped; give it time to show up in Flink.
        return WAIT;
      }
      if (missing.length > 0) {
        return failed(
          `secrets not configured: ${missing.map((n) => secretVariable(config.secretEnvPrefix, n)).join(", ")}`,
        );
      }
      if (publishTasks && this.ctx.tasks) {
        // Before Flink starts writing requests, so the enricher is ready for them.
        await this.ctx.tasks.publish(versionRecord.compiled.enrichmentTasks);
        p.tasksPublished = true;
        save();
      }
      const lookup = (secret: string) => this.ctx.env[secretVariable(config.secretEnvPrefix, secret)];
      const statements = versionRecord.compiled.statements.map((s) => ({
        kind: s.kind,
        sql: compiler.resolveSecrets(s.sql, lookup),
      }));
      const settings: Record<string, string> = {
        "pipeline.name": name,
        // Keep checkpoints when a job fails or is cancelled, so an automatic restart can resume from one.
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
      };
      if (p.restorePath) settings["execution.state-recovery.path"] = p.restorePath;
      // With the listing still pending, the session and the DDL go ahead meanwhile; the listing is
      // checked before the statement set, the only statement that starts a job, is executed.
      const pending = seen ? undefined : obs;
      const gate: { gaveWay?: FlinkJobSummary | "unreachable" } = {};
      const beforeExecute =
        pending &&
        (async () => {
          const listed = await pending;
          gate.gaveWay = listed ? existingIn(listed) : "unreachable";
          if (gate.gaveWay)
            throw new Error(
              `not executing the statement set of ${name}: ${gate.gaveWay === "unreachable" ? "Flink is unreachable" : `Flink job ${gate.gaveWay.id} runs it`}`,
            );
        });
      p.startedAt = now();
      save();
      let jobId: string;
      try {
        jobId = (await flink.submit({ settings, statements, beforeExecute })).jobId;
      } catch (error) {
        if (gate.gaveWay) {
          // Nothing was executed: as if this submission had not begun.
          delete p.startedAt;
          save();
          return gate.gaveWay === "unreachable" ? WAIT : adopt(gate.gaveWay);
        }
        if (isFlinkError(error) && error.code === "FLINK_UNREACHABLE") {
          // Nothing reached the gateway: no need to wait for a job to show up next time.
          delete p.startedAt;
          save();
        }
        throw error;
      }
      store.transaction(() => {
        store.recordRun({
          flinkJobId: jobId,
          jobName,
          version,
          restoredFrom: p.restorePath ?? null,
          operationId,
          submittedAt: now(),
        });
        store.addEvent(
          jobName,
          "submitted",
          `submitted v${version} as Flink job ${jobId}${p.restorePath ? ` from ${p.restorePath}` : " with empty state"}`,
          { flinkJobId: jobId, version, restoredFrom: p.restorePath ?? null },
          now(),
        );
      });
      p.flinkJobId = jobId;
      save();
      this.onSubmitted?.(jobId);
      return verify ? WAIT : DONE;
    }

    if (!verify) return DONE;
    const seen = obs instanceof Promise ? await obs : obs;
    if (!seen) return WAIT;
    const observed = seen.jobs.find((j) => j.id === p.flinkJobId);
    const state = observed?.state;
    if (state === "RUNNING") {
      if (p.runningSince === undefined) {
        p.runningSince = now();
        save();
      }
      return now() - p.runningSince >= config.upgradeVerifyMs ? DONE : WAIT;
    }
    if (state === undefined || state === "INITIALIZING" || state === "CREATED" || state === "RECONCILING")
      return WAIT;
    const exceptions = await flink.exceptions(p.flinkJobId).catch(() => []);
    const reason = exceptions[0]?.message ?? "no exception reported";
    return failed(`Flink job ${p.flinkJobId} of v${version} went ${state}: ${reason}`);
  }

  private async resolveRestore(
    jobName: string,
    version: number,
    restore: RestoreRequest,
  ): Promise<string | null> {
    const { store, flink } = this.ctx;
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
          this.recordSavepoint(
            jobName,
            restore.failedJobId,
            checkpoint.path,
            checkpoint.isSavepoint ? "savepoint" : "checkpoint",
            "restart",
            version,
          );
          return checkpoint.path;
        }
        return savepoint?.path ?? null;
      }
      default: {
        const never: never = restore;
        throw new Error(`unknown restore mode ${JSON.stringify(never)}`);
      }
    }
  }

  private async stepStop(
    jobName: string,
    params: StopParams,
    p: StopProgress,
    save: () => void,
    obs: Observation,
    reason: string,
  ): Promise<Step> {
    const { store, flink, now, config } = this.ctx;
    if (p.targetJobId === undefined) {
      const run = store.latestRun(jobName);
      const observed = run && obs.jobs.find((j) => j.id === run.flinkJobId);
      if (!run || !observed || !ACTIVE_FLINK_STATES.has(observed.state)) {
        if (run && observed?.state === "FINISHED" && params.mode === "savepoint") {
          await this.recoverStopSavepoint(jobName, run.flinkJobId, reason);
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
        if (state === "FINISHED") await this.recoverStopSavepoint(jobName, id, reason);
        return DONE;
      }
      if (p.retriggers && p.requestedAt !== undefined && now() - p.requestedAt < RETRIGGER_DELAY_MS)
        return WAIT;
      p.requestedAt = now();
      save();
      p.triggerId = (
        await flink.stopWithSavepoint(id, { drain: params.drain, targetDirectory: config.savepointDir })
      ).triggerId;
      save();
      return WAIT;
    }
    const status = await flink.pollSavepoint(id, p.triggerId);
    if (status.status === "IN_PROGRESS") return WAIT;
    if (status.status === "FAILED") {
      if (this.retrigger(p, status)) {
        save();
        return WAIT;
      }
      return failed(`stop-with-savepoint of Flink job ${id} failed: ${status.reason}`);
    }
    this.recordSavepoint(jobName, id, status.path, "savepoint", reason);
    p.savepointPath = status.path;
    save();
    return ended ? DONE : WAIT;
  }

  private async recoverStopSavepoint(jobName: string, flinkJobId: string, reason: string): Promise<void> {
    const checkpoint = await this.ctx.flink.latestCheckpoint(flinkJobId).catch(() => undefined);
    if (checkpoint?.isSavepoint && !this.ctx.store.findSavepoint(jobName, checkpoint.path)) {
      this.recordSavepoint(jobName, flinkJobId, checkpoint.path, "savepoint", reason);
    }
  }

  private recordSavepoint(
    jobName: string,
    flinkJobId: string,
    path: string,
    kind: "savepoint" | "checkpoint",
    reason: string,
    version?: number,
  ): void {
    const { store, now } = this.ctx;
    const runVersion =
      version ?? store.getRun(flinkJobId)?.version ?? store.getJob(jobName)?.currentVersion ?? 0;
    store.transaction(() => {
      store.addSavepoint({ jobName, version: runVersion, flinkJobId, path, kind, reason, createdAt: now() });
      store.addEvent(
        jobName,
        `${kind}-recorded`,
        `${kind} ${path} recorded (${reason})`,
        { path, flinkJobId },
        now(),
      );
    });
  }
}
