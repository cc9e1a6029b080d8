import { checkpointsEnabled, defaultCheckpointSettings } from "@sluice/flink-jobs";
import type { JobSpecLike } from "../compiler/port.ts";
import type { ClusterCapacity, FlinkException } from "../flink/port.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { failureCause, slotShortage } from "./health.ts";
import { observedById } from "./observed-index.ts";

/** The cluster's slots, or `undefined` when they cannot be read (the pass goes on without them). */
export function readCluster(ctx: LifecycleContext): Promise<ClusterCapacity | undefined> {
  return ctx.flink.cluster().catch(() => undefined);
}

/**
 * What decides a restart besides the budget: the slots the cluster lacks for the job's current
 * version (then the restart waits), and whether the restart is free: the Flink job vanished (its
 * JobManager restarted) or failed because a TaskManager was lost or no slot was available, or the
 * restart already waited for slots. `run` is the job's latest run.
 */
export function restartConditions(
  ctx: LifecycleContext,
  job: { name: string; currentVersion: number },
  run: { flinkJobId: string } | undefined,
  obs: Observation,
  exceptions: { of(flinkJobId: string): readonly FlinkException[] },
  waited: boolean,
): { shortage?: string; freeRestart: boolean } {
  const spec = ctx.store.getVersion(job.name, job.currentVersion)?.spec;
  const shortage = slotShortage(obs.cluster, slotsNeeded(spec));
  const seen = run ? observedById(obs, run.flinkJobId) : undefined;
  const cause = run ? failureCause(exceptions.of(run.flinkJobId)[0]) : "";
  const clusters = run !== undefined && (seen === undefined || CLUSTER_CAUSES.has(cause));
  return { ...(shortage ? { shortage } : {}), freeRestart: waited || clusters };
}

const CLUSTER_CAUSES = new Set(["TaskManager lost", "no task slot available"]);

/** Task slots a version needs: its parallelism (slots are shared by its operators), default 1. */
export function slotsNeeded(spec: JobSpecLike | undefined): number {
  return spec ? (recoveryOf(spec).parallelism ?? 1) : 1;
}

/**
 * How a job recovers, from its spec: whether it checkpoints (every job does unless it opted out
 * with `checkpoints: false`) and so whether a restart can resume from a position.
 */
export interface RecoveryView {
  checkpoints: boolean;
  /** The interval the job runs with (`10 s` unless the spec or its config says otherwise); null when off. */
  interval: string | null;
  mode: "EXACTLY_ONCE" | "AT_LEAST_ONCE" | null;
  parallelism: number | null;
  /** Whether a restart resumes from a checkpoint or savepoint rather than empty state. */
  resumable: boolean;
  reason?: string | undefined;
}

type SpecFields = {
  checkpoints?:
    | false
    | { interval?: string | undefined; mode?: "EXACTLY_ONCE" | "AT_LEAST_ONCE" | undefined };
  parallelism?: number;
  config?: Record<string, unknown>;
};

/** The spec's recovery fields, read defensively (stored specs are parsed by the compiler, not here). */
function fieldsOf(spec: JobSpecLike): SpecFields {
  return spec as SpecFields;
}

/**
 * Session settings a version is submitted with, besides `pipeline.name` and the restore path:
 * the default checkpoint interval and retention (a SET in the job's statements overrides them).
 */
export function checkpointSettings(spec: JobSpecLike): Record<string, string> {
  return defaultCheckpointSettings(fieldsOf(spec));
}

/** What the API shows about a job's recovery. */
export function recoveryOf(spec: JobSpecLike): RecoveryView {
  const { checkpoints, parallelism, config = {} } = fieldsOf(spec);
  const configured = (key: string) => (config[key] === undefined ? undefined : String(config[key]));
  const configParallelism = configured("parallelism.default");
  const shownParallelism =
    parallelism ?? (configParallelism === undefined ? null : Number(configParallelism));
  if (!checkpointsEnabled(fieldsOf(spec))) {
    return {
      checkpoints: false,
      interval: null,
      mode: null,
      parallelism: shownParallelism,
      resumable: false,
      reason:
        "the job opted out of checkpointing (`checkpoints: false`): after a failure it restarts from its latest savepoint, or from empty state",
    };
  }
  const settings = checkpointSettings(spec);
  const mode = (checkpoints ? checkpoints.mode : undefined) ?? configured("execution.checkpointing.mode");
  return {
    checkpoints: true,
    interval:
      (checkpoints ? checkpoints.interval : undefined) ??
      configured("execution.checkpointing.interval") ??
      settings["execution.checkpointing.interval"] ??
      null,
    mode: mode === "AT_LEAST_ONCE" ? "AT_LEAST_ONCE" : "EXACTLY_ONCE",
    parallelism: shownParallelism,
    resumable: true,
  };
}
