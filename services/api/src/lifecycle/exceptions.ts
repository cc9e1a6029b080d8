import type { FlinkException } from "../flink/port.ts";
import type { JobRecord } from "../store/store.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { scrub, secretValues } from "./secrets.ts";
import { STARTING_FLINK_STATES } from "./startup-watch.ts";

/**
 * How long the passes keep serving a Flink job's exceptions before reading them again (sooner when
 * the job's state changes). Reads of a job serve this copy: a read never calls Flink for them.
 */
export const EXCEPTIONS_REFRESH_MS = 5_000;

/** Recent exceptions of each job's current Flink job, as a pass last read them, with the state then seen. */
export class ExceptionCache {
  private readonly ctx: LifecycleContext;
  private readonly cache = new Map<string, { state: string; at: number; exceptions: FlinkException[] }>();

  constructor(ctx: LifecycleContext) {
    this.ctx = ctx;
  }

  /** Recent exceptions of a Flink job, newest first, as the passes last read them. */
  of(flinkJobId: string): readonly FlinkException[] {
    return this.cache.get(flinkJobId)?.exceptions ?? [];
  }

  /**
   * Reads the exceptions of each job's current Flink job when its observed state changed or the
   * copy is older than {@link EXCEPTIONS_REFRESH_MS}. Jobs not started yet have none and are
   * skipped. Copies of Flink jobs that are no longer a job's current run are dropped.
   */
  async refresh(obs: Observation): Promise<void> {
    const { store, now, flink } = this.ctx;
    const current = new Set<string>();
    for (const job of store.listJobs()) {
      const run = store.latestRun(job.name);
      if (!run) continue;
      current.add(run.flinkJobId);
      const state = obs.jobs.find((j) => j.id === run.flinkJobId)?.state;
      if (state === undefined || STARTING_FLINK_STATES.has(state)) continue;
      const cached = this.cache.get(run.flinkJobId);
      if (cached && cached.state === state && now() - cached.at < EXCEPTIONS_REFRESH_MS) continue;
      const at = now();
      try {
        const exceptions = await flink.exceptions(run.flinkJobId);
        this.cache.set(run.flinkJobId, { state, at, exceptions });
      } catch {
        // Keep the previous copy (if any); the next pass tries again.
      }
    }
    for (const id of this.cache.keys()) if (!current.has(id)) this.cache.delete(id);
  }
}

/** The first exceptions of a Flink job read now, with the job's secrets masked. */
export async function recentExceptions(
  ctx: LifecycleContext,
  job: JobRecord,
  flinkJobId: string,
): Promise<string[]> {
  const version = ctx.store.getVersion(job.name, job.currentVersion);
  const secrets = version ? secretValues(ctx, version.compiled) : [];
  const exceptions = await ctx.flink.exceptions(flinkJobId).catch(() => []);
  return exceptions.slice(0, 3).map((e) => scrub(e.message, secrets));
}
