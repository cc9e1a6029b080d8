import type { JobSpecLike } from "../compiler/port.ts";
import { activeOperations, lastOperations, latestRuns, versionSpecs } from "../store/batch-reads.ts";
import type { JobStore, OperationRecord, RunRecord } from "../store/store.ts";
import { slotsNeeded } from "./recovery.ts";

/** What the shown state of a job is derived from, besides the job record and the observation. */
export interface JobReads {
  latestRun(name: string): RunRecord | undefined;
  activeOperation(name: string): OperationRecord | undefined;
  lastOperation(name: string): OperationRecord | undefined;
  /** Task slots a version of the job needs (its parallelism; default 1). */
  slotsNeeded(name: string, version: number): number;
}

/** Each read a query of its own: for one job. */
export function directReads(store: JobStore): JobReads {
  return {
    latestRun: (name) => store.latestRun(name),
    activeOperation: (name) => store.activeOperation(name),
    lastOperation: (name) => store.lastOperation(name),
    slotsNeeded: (name, version) => slotsNeeded(store.getVersion(name, version)?.spec),
  };
}

/**
 * The same reads for many jobs, read at once: four queries whatever the number of jobs, instead
 * of four per job. A snapshot: use it at once (before any `await`), as a pass or a route does
 * with what it read.
 *
 * @example
 * const reads = batchReads(store, jobs.map((j) => j.name));
 * for (const job of jobs) shownState(store, job, observation, restartLimit, reads);
 */
export function batchReads(store: JobStore, names: readonly string[]): JobReads {
  const runs = latestRuns(store, names);
  const active = activeOperations(store, names);
  const last = lastOperations(store, names);
  const specs = versionSpecs(store, [...runs.values()]);
  return {
    latestRun: (name) => runs.get(name),
    activeOperation: (name) => active.get(name),
    lastOperation: (name) => last.get(name),
    slotsNeeded: (name, version) => slotsNeeded(specOf(specs.get(`${name}@${version}`))),
  };
}

/** A stored spec as the recovery fields read it: an object with a name, else none. */
function specOf(value: unknown): JobSpecLike | undefined {
  return typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string"
    ? (value as JobSpecLike)
    : undefined;
}
