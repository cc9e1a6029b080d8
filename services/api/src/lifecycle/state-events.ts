import type { LifecycleContext } from "./context.ts";
import { batchReads } from "./job-reads.ts";
import type { ObservationResult } from "./reconciler.ts";
import { shownState } from "./shown-state.ts";

/** Actions after which the pass's observation is stale for the job (it submitted, adopted, ...). */
const CHANGING = new Set(["advance-operation", "restart", "adopt", "upgrade"]);

/** The jobs whose Flink side a pass changed. */
export function changedJobs(report: { actions: ReadonlyArray<{ job: string; kind: string }> }): Set<string> {
  return new Set(report.actions.filter((a) => CHANGING.has(a.kind)).map((a) => a.job));
}

/**
 * Records an event each time the state a job shows changes (RUNNING -> DEGRADED -> RESTARTING ...),
 * with the reason, so the history of what users saw is in the event log. Remembers the last state
 * per job in memory: after an API restart, the first pass records the state it finds.
 */
export class StateEvents {
  private readonly ctx: LifecycleContext;
  private readonly last = new Map<string, string>();

  constructor(ctx: LifecycleContext) {
    this.ctx = ctx;
  }

  /**
   * Compares each job's shown state with the last one recorded. Jobs acted on in this pass are
   * skipped: the observation predates what the action changed, the next pass sees it.
   */
  note(observation: ObservationResult | undefined, actedOn: ReadonlySet<string>): void {
    const { store, now, config } = this.ctx;
    const seen = new Set<string>();
    const jobs = store.listJobs();
    const reads = batchReads(
      store,
      jobs.map((job) => job.name),
    );
    for (const job of jobs) {
      seen.add(job.name);
      if (actedOn.has(job.name)) continue;
      const { derived } = shownState(store, job, observation, config.restartLimit, reads);
      const before = this.last.get(job.name);
      if (before === derived.state) continue;
      this.last.set(job.name, derived.state);
      const message = `${before ?? "(new)"} -> ${derived.state}${derived.reason ? `: ${derived.reason}` : ""}`;
      store.addEvent(
        job.name,
        "state",
        message,
        { from: before ?? null, to: derived.state, reason: derived.reason ?? null },
        now(),
      );
    }
    for (const name of this.last.keys()) if (!seen.has(name)) this.last.delete(name);
  }
}
