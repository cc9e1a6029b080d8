import { TERMINAL_FLINK_STATES } from "../flink/port.ts";
import type { JobRecord } from "../store/store.ts";
import type { Action } from "./compare.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { recentExceptions } from "./exceptions.ts";
import { Listing, type OperationRunner, type SubmitParams, type UpgradeParams } from "./operations.ts";

/** What the reconciler's actions act with. */
export interface Actors {
  ctx: LifecycleContext;
  runner: OperationRunner;
  /** Duplicate Flink jobs per Sluice job, as last reported. */
  duplicates: Map<string, { keep: string; others: string[] }>;
  /** `true` the first time a key is reported (warnings are logged once). */
  reportOnce: (key: string) => boolean;
  /** Jobs whose restart waited for slots (and so is free once they come back), with the reason last told. */
  waiting: Map<string, string>;
}

type ActionOf<K extends Action["kind"]> = Extract<Action, { kind: K }>;

/** Executes one action that `compare()` decided for a job. */
export async function act(actors: Actors, job: JobRecord, action: Action, obs: Observation): Promise<void> {
  const { ctx } = actors;
  switch (action.kind) {
    case "advance-operation": {
      const op = ctx.store.getOperation(action.operationId);
      if (op) await actors.runner.advance(op, Listing.seen(obs));
      return;
    }
    case "adopt":
      return adopt(ctx, job, action, obs);
    case "note-run-state":
      return noteRunState(ctx, job, action);
    case "report-duplicates":
      return reportDuplicates(actors, job, action);
    case "schedule-restart": {
      const { at, attempt } = action;
      const message = `automatic restart ${attempt}/${ctx.config.restartLimit} in ${Math.round((at - ctx.now()) / 1000)} s`;
      return change(ctx, job, { type: "restart-scheduled", message, data: { at, attempt } }, () => {
        ctx.store.updateJob(job.name, { nextRestartAt: at }, ctx.now());
      });
    }
    case "restart":
      actors.waiting.delete(job.name);
      return restart(ctx, job, action);
    case "wait-for-slots": {
      if (actors.waiting.get(job.name) === action.reason) return;
      actors.waiting.set(job.name, action.reason);
      const message = `restart waits: ${action.reason} (no restart attempt spent)`;
      return change(ctx, job, { type: "restart-waiting", message, data: { reason: action.reason } }, () => {
        ctx.store.updateJob(job.name, { nextRestartAt: null }, ctx.now());
      });
    }
    case "give-up": {
      const message = `job failed and the restart limit (${action.attempts}) is reached; start it by hand`;
      return change(ctx, job, { type: "restart-limit", message, data: null });
    }
    case "apply-version":
      return applyVersion(ctx, job, action);
    case "upgrade":
      return recordUpgrade(ctx, job, action);
    default: {
      const never: never = action;
      ctx.log.error({ action: never }, "unknown reconcile action");
    }
  }
}

interface JobEvent {
  type: string;
  message: string;
  data: Record<string, unknown> | null;
}

/**
 * Applies `update` to the store and records `event`, in one transaction; `update` returning
 * `false` records nothing (e.g. a user operation got there first).
 */
function change(ctx: LifecycleContext, job: JobRecord, event: JobEvent, update?: () => unknown): void {
  const { store, now } = ctx;
  store.transaction(() => {
    if (update?.() === false) return;
    store.addEvent(job.name, event.type, event.message, event.data, now());
  });
}

/** A Flink job runs the current version without a record: record it instead of submitting again. */
function adopt(ctx: LifecycleContext, job: JobRecord, action: ActionOf<"adopt">, obs: Observation): void {
  const { flinkJobId, version } = action;
  const message = `re-attached to running Flink job ${flinkJobId}`;
  change(ctx, job, { type: "adopted", message, data: { flinkJobId } }, () => {
    const submittedAt = obs.jobs.find((j) => j.id === flinkJobId)?.startTime ?? ctx.now();
    const run = {
      flinkJobId,
      jobName: job.name,
      version,
      restoredFrom: null,
      operationId: null,
      submittedAt,
    };
    ctx.store.recordRun(run);
  });
}

async function noteRunState(ctx: LifecycleContext, job: JobRecord, action: ActionOf<"note-run-state">) {
  const { store, log } = ctx;
  const { flinkJobId, from, to } = action;
  store.setRunSeenState(flinkJobId, to);
  const ended = to === "MISSING" || TERMINAL_FLINK_STATES.has(to);
  const outside = ended && job.desiredState === "RUNNING" && !store.activeOperation(job.name);
  let message = `Flink job ${flinkJobId} is ${to}`;
  let exceptions: string[] = [];
  if (outside) {
    exceptions = await recentExceptions(ctx, job, flinkJobId);
    message += `, outside Sluice${exceptions.length > 0 ? `: ${exceptions[0]}` : ""}`;
    log.warn({ job: job.name, flinkJobId, state: to }, message);
  }
  const data = { flinkJobId, from, to, ...(exceptions.length > 0 ? { exceptions } : {}) };
  change(ctx, job, { type: outside ? "flink-job-ended" : "flink-state", message, data });
}

function reportDuplicates(actors: Actors, job: JobRecord, action: ActionOf<"report-duplicates">): void {
  const { keep, others } = action;
  actors.duplicates.set(job.name, { keep, others });
  if (!actors.reportOnce(`dup:${job.name}:${others.join(",")}`)) return;
  actors.ctx.log.warn({ job: job.name, keep, others }, "duplicate Flink jobs for one Sluice job");
  const message = `several Flink jobs run this job: keeping ${keep}, not touching ${others.join(", ")}`;
  change(actors.ctx, job, { type: "duplicates", message, data: { keep, others } });
}

/** The planned automatic restart: a submit operation from the newest savepoint or checkpoint. */
function restart(ctx: LifecycleContext, job: JobRecord, action: ActionOf<"restart">): void {
  const { store, now } = ctx;
  const { attempt, free = false } = action;
  const failedRun = store.latestRun(job.name);
  const message = free
    ? `automatic restart after the cluster lost the job's resources (no restart attempt spent: ${attempt}/${ctx.config.restartLimit} used)`
    : `automatic restart ${attempt}/${ctx.config.restartLimit}`;
  change(ctx, job, { type: "restarting", message, data: { attempt, free } }, () => {
    if (store.activeOperation(job.name)) return false; // a user operation got there first
    const params: SubmitParams = {
      version: job.currentVersion,
      restore: failedRun ? { mode: "auto", failedJobId: failedRun.flinkJobId } : { mode: "latest" },
      reason: "restart",
    };
    store.addOperation(job.name, "submit", params, now());
    store.updateJob(job.name, { restartAttempts: attempt, nextRestartAt: null }, now());
  });
}

/**
 * A version that changes no SQL (descriptions, flow thresholds): the running Flink job now counts
 * as running it. Flink is not called.
 */
function applyVersion(ctx: LifecycleContext, job: JobRecord, action: ActionOf<"apply-version">): void {
  const { flinkJobId, fromVersion, toVersion, changed } = action;
  const message = `v${toVersion} applied to the running Flink job ${flinkJobId} without restarting it (changed: ${changed.join(", ") || "nothing"})`;
  change(ctx, job, { type: "version-applied", message, data: { flinkJobId, fromVersion, toVersion } }, () => {
    ctx.store.setRunVersion(flinkJobId, toVersion);
  });
}

/** A version that changes the SQL with no operation to run it: record the upgrade. */
function recordUpgrade(ctx: LifecycleContext, job: JobRecord, action: ActionOf<"upgrade">): void {
  const { fromVersion, toVersion } = action;
  const params: UpgradeParams = { fromVersion, toVersion, stateless: false };
  const message = `upgrading from v${fromVersion} to v${toVersion}`;
  change(ctx, job, { type: "upgrading", message, data: params }, () => {
    if (ctx.store.activeOperation(job.name)) return false; // a user operation got there first
    ctx.store.addOperation(job.name, "upgrade", params, ctx.now());
  });
}
