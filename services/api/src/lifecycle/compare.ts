import type { JobSpecLike } from "../compiler/port.ts";
import { ACTIVE_FLINK_STATES, type FlinkJobSummary, parsePipelineName } from "../flink/port.ts";
import type { JobRecord, OperationRecord, RunRecord } from "../store/store.ts";
import { classifySpecChange } from "./spec-change.ts";

/** What the reconciler decided to do for one job in one pass. */
export type Action =
  /** Move the recorded operation one step forward. */
  | { kind: "advance-operation"; operationId: number }
  /** A Flink job runs this job's current version but is not recorded: record it instead of submitting again. */
  | { kind: "adopt"; flinkJobId: string; version: number }
  /** The current run changed state since the last pass (e.g. cancelled or failed outside Sluice). */
  | { kind: "note-run-state"; flinkJobId: string; from: string | null; to: string }
  /** Several active Flink jobs carry this job's name; the newest recorded one is kept. */
  | { kind: "report-duplicates"; keep: string; others: string[] }
  /** The job FAILED while it should run: plan the next automatic restart. */
  | { kind: "schedule-restart"; at: number; attempt: number }
  /**
   * The planned restart time has come. `free`: the failure was the cluster's (TaskManager or
   * JobManager lost) or the restart waited for slots, so it does not spend the restart budget.
   */
  | { kind: "restart"; attempt: number; free?: boolean }
  /** A restart now could not run (no TaskManager, too few slots): wait, without spending the budget. */
  | { kind: "wait-for-slots"; reason: string }
  /** The job FAILED and the restart limit is reached: nothing more is tried. */
  | { kind: "give-up"; attempts: number }
  /**
   * The current version differs from the running one only in what no statement carries
   * (descriptions): it is recorded as applied to the running Flink job, which is not touched.
   */
  | { kind: "apply-version"; flinkJobId: string; fromVersion: number; toVersion: number; changed: string[] }
  /** The current version changes the SQL and no operation upgrades to it yet: record one. */
  | { kind: "upgrade"; fromVersion: number; toVersion: number };

export interface CompareInput {
  job: JobRecord;
  activeOperation: OperationRecord | undefined;
  /** Recorded runs, newest first. */
  runs: RunRecord[];
  /** Every Flink job whose pipeline.name is `sluice/<this job>/v*`. */
  observed: FlinkJobSummary[];
  now: number;
  restart: { limit: number; backoffMs: number; backoffMaxMs: number };
  /**
   * The specs of the job's current version and of the version its current run runs, when these
   * versions differ (a new version was recorded while the job runs).
   */
  specs?: { current: JobSpecLike; running: JobSpecLike } | undefined;
  /** Why the cluster cannot run this job now (no TaskManager, too few slots); absent when it can. */
  shortage?: string | undefined;
  /** The failure was the cluster's, or the job already waited for slots: a restart is free and immediate. */
  freeRestart?: boolean | undefined;
}

/** Delay before automatic restart number `attempt` (1-based): base * 2^(attempt-1), capped. */
export function restartDelay(attempt: number, backoffMs: number, backoffMaxMs: number): number {
  return Math.min(backoffMaxMs, backoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Compares what Sluice wants (desired state, current version, recorded operation) with what
 * Flink reports, and returns the actions to take. Pure: the reconciler executes the actions.
 * Called only with a successful observation: when Flink is unreachable nothing is compared
 * and nothing is done.
 *
 * @example
 * ```ts
 * compare({ job, activeOperation: undefined, runs: [run], observed: [{ id: run.flinkJobId, state: "FAILED", ... }], now, restart });
 * // => [{ kind: "note-run-state", ... }, { kind: "schedule-restart", at: now + 5000, attempt: 1 }]
 * ```
 */
export function compare(input: CompareInput): Action[] {
  const { job, activeOperation, runs, observed } = input;
  const actions: Action[] = [];
  const byId = new Map(observed.map((j) => [j.id, j]));
  const current = runs[0];
  const currentObserved = current ? byId.get(current.flinkJobId) : undefined;
  const currentState = current ? (currentObserved?.state ?? "MISSING") : undefined;

  if (current && currentState !== undefined && currentState !== current.lastSeenState) {
    actions.push({
      kind: "note-run-state",
      flinkJobId: current.flinkJobId,
      from: current.lastSeenState,
      to: currentState,
    });
  }

  const active = observed.filter((j) => ACTIVE_FLINK_STATES.has(j.state));
  const duplicates = duplicatesOf(active, runs);
  if (duplicates) actions.push(duplicates);

  // An operation in flight owns the job: it adopts, submits, stops by itself.
  if (activeOperation) {
    actions.push({ kind: "advance-operation", operationId: activeOperation.id });
    return actions;
  }

  const currentActive = currentState !== undefined && ACTIVE_FLINK_STATES.has(currentState);
  if (!currentActive) {
    // A running job with our current version that we have no record of (e.g. the API crashed
    // between submitting and recording the id): adopt it rather than ever submitting twice.
    const recorded = new Set(runs.map((r) => r.flinkJobId));
    const orphan = active
      .filter((j) => !recorded.has(j.id) && parsePipelineName(j.name)?.version === job.currentVersion)
      .sort((a, b) => b.startTime - a.startTime)[0];
    if (orphan) {
      actions.push({ kind: "adopt", flinkJobId: orphan.id, version: job.currentVersion });
      return actions;
    }
  }

  if (currentActive && current && job.desiredState === "RUNNING" && input.specs) {
    const version = versionAction(job, current, input.specs);
    if (version) actions.push(version);
    return actions;
  }

  if (
    job.desiredState === "RUNNING" &&
    current &&
    (currentState === "FAILED" || currentState === "MISSING")
  ) {
    const restart = restartAction(input, current, currentState);
    if (restart) actions.push(restart);
  }
  return actions;
}

/** More than one active Flink job with this job's name: keep the newest recorded, report the others. */
function duplicatesOf(active: FlinkJobSummary[], runs: RunRecord[]): Action | undefined {
  if (active.length <= 1) return undefined;
  const recorded = new Set(runs.map((r) => r.flinkJobId));
  const keep =
    runs.find((r) => active.some((j) => j.id === r.flinkJobId))?.flinkJobId ??
    [...active].sort((a, b) => b.startTime - a.startTime)[0]?.id;
  if (keep === undefined) return undefined;
  const others = active
    .filter((j) => j.id !== keep)
    .map((j) => j.id)
    .sort((a, b) => Number(recorded.has(b)) - Number(recorded.has(a)) || a.localeCompare(b));
  return { kind: "report-duplicates", keep, others };
}

/** The current run FAILED (or vanished) while the job should run: restart, plan one, or give up. */
function restartAction(input: CompareInput, current: RunRecord, currentState: string): Action | undefined {
  const { job, now } = input;
  const { limit, backoffMs, backoffMaxMs } = input.restart;
  const attempt = job.restartAttempts + 1;
  if (input.shortage) return { kind: "wait-for-slots", reason: input.shortage };
  if (input.freeRestart) return { kind: "restart", attempt: job.restartAttempts, free: true };
  if (job.nextRestartAt !== null) return now >= job.nextRestartAt ? { kind: "restart", attempt } : undefined;
  if (job.restartAttempts < limit) {
    return { kind: "schedule-restart", at: now + restartDelay(attempt, backoffMs, backoffMaxMs), attempt };
  }
  return current.lastSeenState !== currentState
    ? { kind: "give-up", attempts: job.restartAttempts }
    : undefined;
}

/** What a running job needs to run its current version: nothing, a re-label, or an upgrade. */
function versionAction(
  job: JobRecord,
  current: RunRecord,
  specs: NonNullable<CompareInput["specs"]>,
): Action | undefined {
  if (current.version === job.currentVersion) return undefined;
  const change = classifySpecChange(specs.running, specs.current);
  const fromVersion = current.version;
  const toVersion = job.currentVersion;
  switch (change.kind) {
    case "ignore":
    case "metadata":
      return {
        kind: "apply-version",
        flinkJobId: current.flinkJobId,
        fromVersion,
        toVersion,
        changed: change.changed,
      };
    case "savepoint-upgrade":
    case "stateless-restart":
      return { kind: "upgrade", fromVersion, toVersion };
    default: {
      const never: never = change.kind;
      throw new Error(`unknown spec change ${String(never)}`);
    }
  }
}

/** Active `sluice/*` Flink jobs whose Sluice name has no record: reported, never touched. */
export function findStrays(
  knownJobs: ReadonlySet<string>,
  observed: readonly FlinkJobSummary[],
): FlinkJobSummary[] {
  return observed.filter((j) => {
    const parsed = parsePipelineName(j.name);
    return parsed !== undefined && !knownJobs.has(parsed.jobName) && ACTIVE_FLINK_STATES.has(j.state);
  });
}
