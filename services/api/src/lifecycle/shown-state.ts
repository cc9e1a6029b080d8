import type { JobRecord, JobStore } from "../store/store.ts";
import { directReads, type JobReads } from "./job-reads.ts";
import { observedById } from "./observed-index.ts";
import type { ObservationResult } from "./reconciler.ts";
import { databaseOutage, outageReason } from "./sink-outage.ts";
import { type DerivedState, deriveState } from "./state.ts";

/**
 * The derived state of a job from the store and the last observation of Flink. `reads` are the
 * store reads it needs: one query each by default, or {@link batchReads} for many jobs at once.
 */
export function shownState(
  store: JobStore,
  job: JobRecord,
  observation: ObservationResult | undefined,
  restartLimit: number,
  reads: JobReads = directReads(store),
): { derived: DerivedState; flinkJobId: string | null; flinkState: string | null } {
  const run = reads.latestRun(job.name);
  const seen = run && observation?.reachable ? observedById(observation, run.flinkJobId) : undefined;
  // A run submitted after the observation was taken is not "missing": it is not seen yet.
  const observed =
    run && observation?.reachable
      ? (seen?.state ?? (observation.at < run.submittedAt ? null : "MISSING"))
      : null;
  const reachable = observation?.reachable ? observation : undefined;
  const failures = run ? reachable?.failuresOf?.(run.flinkJobId) : undefined;
  // The spec is read only for a run that failed: a database outage needs its jdbc tables.
  const outage =
    run && failures?.[0]
      ? databaseOutage(failures[0], store.getVersion(job.name, run.version)?.spec)
      : undefined;
  const derived = deriveState({
    desiredState: job.desiredState,
    // Before the first observation, say UNKNOWN rather than guess.
    flinkReachable: observation?.reachable ?? false,
    activeOperation: reads.activeOperation(job.name),
    lastOperation: reads.lastOperation(job.name),
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
    slotsNeeded: run ? reads.slotsNeeded(job.name, run.version) : 1,
  });
  return { derived, flinkJobId: run?.flinkJobId ?? null, flinkState: observed };
}
