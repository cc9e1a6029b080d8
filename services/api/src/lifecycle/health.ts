import type { ClusterCapacity, FlinkException } from "../flink/port.ts";

/** What a Flink job that Flink calls RUNNING (or RESTARTING, RECONCILING) is really doing. */
export type RunHealthState = "RUNNING" | "STARTING" | "RESTARTING" | "DEGRADED";

export interface RunHealthInput {
  flinkJobId: string;
  /** Flink's state of the job: RUNNING, RESTARTING or RECONCILING. */
  flinkState: string;
  /** Tasks per execution state from `/jobs/overview`; absent: Flink did not say. */
  tasks?: Readonly<Record<string, number>> | undefined;
  cluster?: ClusterCapacity | undefined;
  /** Task slots the job needs (its parallelism, as slots are shared between its operators). */
  slotsNeeded: number;
  /** Failures Flink reported for this Flink job, newest first. */
  failures: readonly FlinkException[];
  /** Why the newest failure happened, when known better than its message (a database outage). */
  cause?: string | undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Why a job cannot get its slots, or `undefined` when the cluster has them: "waiting for 1 task
 * slot: 0 TaskManagers registered". Used for a run waiting for slots and for a restart that waits.
 */
export function slotShortage(cluster: ClusterCapacity | undefined, slotsNeeded: number): string | undefined {
  if (!cluster) return undefined;
  const waiting = `waiting for ${plural(slotsNeeded, "task slot")}`;
  if (cluster.taskManagers === 0) return `${waiting}: 0 TaskManagers registered`;
  if (cluster.slotsTotal < slotsNeeded)
    return `${waiting}: the cluster has ${plural(cluster.slotsTotal, "slot")} in ${plural(cluster.taskManagers, "TaskManager")}`;
  return undefined;
}

/** "TaskManager lost" for the failures a lost TaskManager causes, else the exception's first line. */
export function failureCause(failure: FlinkException | undefined): string {
  if (!failure) return "a failure";
  const lost =
    /TaskManager .*(lost|terminated|disconnected|no longer reachable|heartbeat)|heartbeat of TaskManager|Connection unexpectedly closed by remote task manager|TaskManager with id .* is no longer reachable/i;
  if (lost.test(failure.message)) return "TaskManager lost";
  if (/NoResourceAvailableException|Could not acquire the minimum required resources/i.test(failure.message))
    return "no task slot available";
  return failure.message.slice(0, 200);
}

/**
 * RUNNING only when every task of the job runs. Otherwise STARTING (no failure yet: being
 * deployed, or waiting for slots), RESTARTING (Flink restarts it after a failure) or DEGRADED
 * (it failed before and some tasks do not run), each with the reason.
 *
 * @example
 * ```ts
 * runHealth({ flinkJobId: "a1", flinkState: "RUNNING", tasks: { running: 0, scheduled: 2, total: 2 },
 *   cluster: { taskManagers: 0, slotsTotal: 0, slotsAvailable: 0 }, slotsNeeded: 1, failures: [] });
 * // => { state: "STARTING", reason: "0 of 2 tasks running; waiting for 1 task slot: 0 TaskManagers registered" }
 * ```
 */
export function runHealth(input: RunHealthInput): { state: RunHealthState; reason?: string } {
  const { flinkState, tasks, failures } = input;
  const attempt = failures.length;
  const cause = input.cause ?? failureCause(failures[0]);
  if (flinkState === "RESTARTING") {
    const shortage = slotShortage(input.cluster, input.slotsNeeded);
    return {
      state: "RESTARTING",
      reason: `restarting after ${cause}, attempt ${Math.max(1, attempt)}${shortage ? `; ${shortage}` : ""}`,
    };
  }
  if (flinkState === "RECONCILING") {
    return { state: "STARTING", reason: "Flink is reconciling the job (its JobManager restarted)" };
  }
  const total = tasks?.total;
  const running = tasks?.running ?? 0;
  if (total === undefined || total === 0 || running >= total) return { state: "RUNNING" };
  const shortage = slotShortage(input.cluster, input.slotsNeeded);
  const pending = Object.entries(tasks ?? {})
    .filter(([k, n]) => k !== "total" && k !== "running" && n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const counts = `${running} of ${plural(total, "task")} running${pending ? ` (${pending})` : ""}`;
  const reason = shortage ? `${counts}; ${shortage}` : counts;
  if (attempt === 0) return { state: "STARTING", reason };
  return { state: "DEGRADED", reason: `${reason}; after ${cause}, attempt ${attempt}` };
}
