import { type FlinkJobSummary, parsePipelineName } from "../flink/port.ts";
import type { Observation } from "./context.ts";

interface Index {
  byId: Map<string, FlinkJobSummary>;
  byJobName: Map<string, FlinkJobSummary[]>;
}

const EMPTY: readonly FlinkJobSummary[] = [];
const indexes = new WeakMap<readonly FlinkJobSummary[], Index>();

/**
 * An observation's Flink jobs by id and by Sluice job name, built once per observation (its
 * `jobs` array is never changed: a new observation is a new array). Looking a job up in the
 * array for each of N jobs made a pass and `GET /v1/jobs` O(N x Flink jobs): ~1M comparisons
 * and pipeline-name parses at 1,000 jobs (bench/control-plane).
 *
 * @example
 * observedById(obs, run.flinkJobId)?.state; // "RUNNING"
 * observedOf(obs, "orders"); // the Flink jobs named sluice/orders/v<n>
 */
function indexOf(obs: Observation): Index {
  let index = indexes.get(obs.jobs);
  if (!index) {
    index = { byId: new Map(), byJobName: new Map() };
    for (const job of obs.jobs) {
      index.byId.set(job.id, job);
      const name = parsePipelineName(job.name)?.jobName;
      if (name === undefined) continue;
      const list = index.byJobName.get(name);
      if (list) list.push(job);
      else index.byJobName.set(name, [job]);
    }
    indexes.set(obs.jobs, index);
  }
  return index;
}

/** The observed Flink job with this id, if Flink listed it. */
export function observedById(obs: Observation, flinkJobId: string): FlinkJobSummary | undefined {
  return indexOf(obs).byId.get(flinkJobId);
}

/** The observed Flink jobs carrying this Sluice job's pipeline.name (any version), in listing order. */
export function observedOf(obs: Observation, jobName: string): readonly FlinkJobSummary[] {
  return indexOf(obs).byJobName.get(jobName) ?? EMPTY;
}
