import type { JobRecord, JobStore } from "../store/store.ts";
import { observedById } from "./observed-index.ts";
import type { ObservationResult } from "./reconciler.ts";
import { slotsNeeded } from "./recovery.ts";
import { databaseOutage, outageReason } from "./sink-outage.ts";
import { type DerivedState, deriveState } from "./state.ts";

/** The derived state of a job from the store and the last observation of Flink. */
export function shownState(
  store: JobStore,
  job: JobRecord,
  observation: ObservationResult | undefined,
  restartLimit: number,
): { derived: DerivedState; flinkJobId: string | null; flinkState: string | null } {
  const run = store.latestRun(job.name);
  const seen = run && observation?.reachable ? observedById(observation, run.flinkJobId) : undefined;
  // A run submitted after the observation was taken is not "missing": it is not seen yet.
  const observed =
    run && observation?.reachable
      ? (seen?.state ?? (observation.at < run.submittedAt ? null : "MISSING"))
      : null;
  const last = store.lastOperation(job.name);
  const reachable = observation?.reachable ? observation : undefined;
  const failures = run ? reachable?.failuresOf?.(run.flinkJobId) : undefined;
  const spec = run ? store.getVersion(job.name, run.version)?.spec : undefined;
  const outage = databaseOutage(failures?.[0], spec);
  const derived = deriveState({
    desiredState: job.desiredState,
    // Before the first observation, say UNKNOWN rather than guess.
    flinkReachable: observation?.reachable ?? false,
    activeOperation: store.activeOperation(job.name),
    lastOperation: last,
    run:
      run && observed !== null
        ? {
            flinkJobId: run.flinkJobId,
            observed,
            tasks: seen?.tasks,
            failures,
            outage: outage && outageReason(outage),
          }
        : undefined,
    restart: { attempts: job.restartAttempts, limit: restartLimit },
    cluster: reachable?.cluster,
    slotsNeeded: slotsNeeded(spec),
  });
  return { derived, flinkJobId: run?.flinkJobId ?? null, flinkState: observed };
}
