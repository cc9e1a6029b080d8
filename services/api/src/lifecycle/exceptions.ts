import type { FlinkException } from "../flink/port.ts";
import { latestRuns } from "../store/batch-reads.ts";
import type { JobRecord } from "../store/store.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { observedById } from "./observed-index.ts";
import { scrub, secretValues } from "./secrets.ts";
import { STARTING_FLINK_STATES } from "./startup-watch.ts";

/**
 * How long the passes keep serving a Flink job's exceptions before reading them again (sooner when
 * the job's state changes). Reads of a job serve this copy: a read never calls Flink for them.
 */
export const EXCEPTIONS_REFRESH_MS = 5_000;

/** Flink exception reads per reconcile pass, at most (bounds the REST calls with many jobs). */
export const MAX_EXCEPTION_READS_PER_PASS = 16;

/** Exception reads in flight at once within a pass. */
const EXCEPTION_READ_CONCURRENCY = 4;

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
   * skipped. At most {@link MAX_EXCEPTION_READS_PER_PASS} reads per pass, a few at a time: changed
   * states (and jobs without a copy) first, then the oldest copies, so with many jobs the Flink
   * REST calls per second stay bounded and a pass stays short (copies of unchanged jobs then
   * refresh less often than every 5 s). Copies of Flink jobs that are no longer a job's current
   * run are dropped.
   */
  async refresh(obs: Observation): Promise<void> {
    const { store, now } = this.ctx;
    const current = new Set<string>();
    const due: Array<{ id: string; state: string; age: number }> = [];
    const runs = latestRuns(
      store,
      store.listJobs().map((job) => job.name),
    );
    for (const run of runs.values()) {
      current.add(run.flinkJobId);
      const state = observedById(obs, run.flinkJobId)?.state;
      if (state === undefined || STARTING_FLINK_STATES.has(state)) continue;
      const cached = this.cache.get(run.flinkJobId);
      const age = cached && cached.state === state ? now() - cached.at : Number.POSITIVE_INFINITY;
      if (age >= EXCEPTIONS_REFRESH_MS) due.push({ id: run.flinkJobId, state, age });
    }
    due.sort((a, b) => b.age - a.age);
    const batch = due.slice(0, MAX_EXCEPTION_READS_PER_PASS);
    let next = 0;
    const reader = async () => {
      for (let item = batch[next++]; item; item = batch[next++]) await this.read(item.id, item.state);
    };
    await Promise.all(Array.from({ length: EXCEPTION_READ_CONCURRENCY }, reader));
    for (const id of this.cache.keys()) if (!current.has(id)) this.cache.delete(id);
  }

  private async read(flinkJobId: string, state: string): Promise<void> {
    const at = this.ctx.now();
    try {
      const exceptions = await this.ctx.flink.exceptions(flinkJobId);
      this.cache.set(flinkJobId, { state, at, exceptions });
    } catch {
      // Keep the previous copy (if any); the next pass tries again.
    }
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
