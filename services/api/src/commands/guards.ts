import { ApiError } from "../errors.ts";
import { ACTIVE_FLINK_STATES } from "../flink/port.ts";
import type { ObservationResult } from "../lifecycle/reconciler.ts";
import type { JobRecord, JobStore } from "../store/store.ts";

/** The job named `name`, or JOB_NOT_FOUND (404). */
export function requireJob(store: JobStore, name: string): JobRecord {
  const job = store.getJob(name);
  if (!job) throw new ApiError("JOB_NOT_FOUND", `No job named "${name}"`);
  return job;
}

/** OPERATION_IN_PROGRESS (409) while another operation of the job is pending or running. */
export function refuseIfBusy(store: JobStore, name: string): void {
  const op = store.activeOperation(name);
  if (op) {
    throw new ApiError(
      "OPERATION_IN_PROGRESS",
      `Operation ${op.id} (${op.kind}) is still ${op.status} for job "${name}"; poll GET /v1/jobs/${name}`,
    );
  }
}

/** The Flink state of the job's current run, according to the observation (if Flink answered). */
export function runState(store: JobStore, name: string, observation: ObservationResult): string | undefined {
  const run = store.latestRun(name);
  if (!run || !observation.reachable) return undefined;
  return observation.jobs.find((j) => j.id === run.flinkJobId)?.state;
}

/** Is the job's current run active in Flink, according to the observation? */
export function runActive(store: JobStore, name: string, observation: ObservationResult): boolean {
  const state = runState(store, name, observation);
  return state !== undefined && ACTIVE_FLINK_STATES.has(state);
}
