import type { ClusterCapacity, FlinkException } from "../flink/port.ts";
import type { DesiredState, OperationKind, OperationStatus } from "../store/store.ts";
import { failureCause, runHealth, slotShortage } from "./health.ts";

/** The lifecycle state shown to users. Derived on every read, never stored. */
export const LIFECYCLE_STATES = [
  "SUBMITTING",
  /** Flink accepted the job but not every task runs yet (deploying, or waiting for task slots). */
  "STARTING",
  "RUNNING",
  /** Flink restarts the job after a failure, or Sluice will (and may be waiting for task slots). */
  "RESTARTING",
  /** The job ran, failed, and not every task runs again (e.g. a TaskManager was lost). */
  "DEGRADED",
  "STOPPING",
  "STOPPED",
  "UPGRADING",
  "FAILED",
  "UNKNOWN",
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** What the reconciler last saw of the job's current Flink job: a Flink state, or MISSING. */
export type ObservedRunState = string | "MISSING";

export interface StateInput {
  desiredState: DesiredState;
  /** `false` when the last observation could not reach Flink. */
  flinkReachable: boolean;
  /** The job's unfinished operation, if any. */
  activeOperation?: { kind: OperationKind } | undefined;
  /** The job's most recent operation (finished or not). */
  lastOperation?: { kind: OperationKind; status: OperationStatus; error: string | null } | undefined;
  /** The current Flink run, if Sluice ever started one. */
  run?:
    | {
        flinkJobId: string;
        observed: ObservedRunState;
        /** Tasks per execution state, as `/jobs/overview` reports them. */
        tasks?: Readonly<Record<string, number>> | undefined;
        /** Failures Flink reported for this Flink job, newest first. */
        failures?: readonly FlinkException[] | undefined;
        /** The newest failure as a database outage, in a sentence (`sink-outage.ts`). */
        outage?: string | undefined;
      }
    | undefined;
  /** The cluster's TaskManagers and slots, when the last observation read them. */
  cluster?: ClusterCapacity | undefined;
  /** Task slots the job needs (its parallelism; default 1). */
  slotsNeeded?: number | undefined;
  /** Automatic restarts already made since the last user action, and the limit. */
  restart?: { attempts: number; limit: number } | undefined;
}

export interface DerivedState {
  state: LifecycleState;
  /** Why, in a sentence, when the state is not self-explanatory. */
  reason?: string | undefined;
}

const OPERATION_STATE: Record<OperationKind, LifecycleState | undefined> = {
  submit: "SUBMITTING",
  stop: "STOPPING",
  delete: "STOPPING",
  upgrade: "UPGRADING",
  // Taking a savepoint does not change what the job is doing.
  savepoint: undefined,
};

/**
 * Derives the lifecycle state from the desired state, the operation in progress and what Flink
 * reports, like the Flink Kubernetes Operator derives its status instead of storing it.
 *
 * @example
 * ```ts
 * deriveState({ desiredState: "RUNNING", flinkReachable: true, run: { flinkJobId: "a1", observed: "CANCELED" } });
 * // => { state: "FAILED", reason: "Flink job a1 is CANCELED, outside Sluice" }
 * ```
 */
export function deriveState(input: StateInput): DerivedState {
  if (!input.flinkReachable) return { state: "UNKNOWN", reason: "Flink is unreachable; showing no guess" };
  const fromOperation = input.activeOperation ? OPERATION_STATE[input.activeOperation.kind] : undefined;
  if (fromOperation) return { state: fromOperation };

  const last = input.lastOperation;
  const lastFailed =
    last?.status === "failed" ? `last ${last.kind} failed: ${last.error ?? "unknown error"}` : undefined;
  const run = input.run;
  if (!run) {
    if (input.desiredState === "STOPPED") return { state: "STOPPED", reason: lastFailed };
    return lastFailed ? { state: "FAILED", reason: lastFailed } : { state: "SUBMITTING" };
  }

  const id = run.flinkJobId;
  switch (run.observed) {
    case "INITIALIZING":
    case "CREATED":
      return { state: "SUBMITTING" };
    case "RUNNING":
    case "RESTARTING":
    case "RECONCILING": {
      if (input.desiredState === "STOPPED")
        return {
          state: "RUNNING",
          reason: `Flink job ${id} is ${run.observed} although the desired state is STOPPED`,
        };
      const health = runHealth({
        flinkJobId: id,
        flinkState: run.observed,
        tasks: run.tasks,
        cluster: input.cluster,
        slotsNeeded: input.slotsNeeded ?? 1,
        failures: run.failures ?? [],
        cause: run.outage,
      });
      return health.state === "RUNNING" ? { state: "RUNNING", reason: lastFailed } : health;
    }
    case "CANCELLING":
      return { state: "STOPPING", reason: `Flink job ${id} is CANCELLING` };
    case "FINISHED":
    case "CANCELED":
      if (input.desiredState === "STOPPED") return { state: "STOPPED", reason: lastFailed };
      return { state: "FAILED", reason: `Flink job ${id} is ${run.observed}, outside Sluice` };
    case "MISSING":
      if (input.desiredState === "STOPPED") return { state: "STOPPED", reason: lastFailed };
      return (
        sluiceRestart(input, `Flink no longer knows job ${id} (was its JobManager restarted?)`) ?? {
          state: "FAILED",
          reason: `Flink no longer knows job ${id}${exhausted(input)}`,
        }
      );
    default: {
      // FAILING, FAILED, SUSPENDED and any state a future Flink adds.
      if (input.desiredState === "STOPPED" && run.observed !== "FAILING")
        return { state: "STOPPED", reason: lastFailed };
      if (run.observed === "FAILED") {
        const cause = run.outage ?? failureCause(run.failures?.[0]);
        const restarting = sluiceRestart(input, `Flink job ${id} FAILED after ${cause}`);
        if (restarting) return restarting;
      }
      return { state: "FAILED", reason: `Flink job ${id} is ${run.observed}${exhausted(input)}` };
    }
  }
}

function exhausted(input: StateInput): string {
  const restart = input.restart;
  return restart && restart.attempts >= restart.limit
    ? `; automatic restarts exhausted (${restart.attempts}/${restart.limit})`
    : "";
}

/**
 * A job that should run and whose Flink job ended: Sluice restarts it from the newest checkpoint
 * while the restart budget lasts (waiting, without spending it, while the cluster lacks slots).
 */
function sluiceRestart(input: StateInput, what: string): DerivedState | undefined {
  const restart = input.restart;
  if (!restart || restart.attempts >= restart.limit) return undefined;
  const shortage = slotShortage(input.cluster, input.slotsNeeded ?? 1);
  const next = `automatic restart ${restart.attempts + 1}/${restart.limit} from the newest checkpoint`;
  return {
    state: "RESTARTING",
    reason: shortage ? `${what}; ${shortage} (the restart waits; no attempt spent)` : `${what}; ${next}`,
  };
}
