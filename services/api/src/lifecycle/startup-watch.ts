import type { FlinkJobSummary } from "../flink/port.ts";
import type { LifecycleContext } from "./context.ts";

/**
 * How often a just-submitted Flink job is read directly (`GET /jobs/<id>`) until it leaves its
 * starting states, so that RUNNING shows within this delay of Flink reporting it instead of at
 * the next pass. The API overhead benchmark polls its SQL Gateway baseline at the same rate.
 */
export const STARTUP_WATCH_MS = 50;
/** After this long a job still starting (e.g. waiting for slots) is left to the regular passes. */
const STARTUP_WATCH_LIMIT_MS = 10_000;
/** Flink states of a job that has been submitted but does not run yet. */
export const STARTING_FLINK_STATES: ReadonlySet<string> = new Set(["INITIALIZING", "CREATED"]);

/**
 * Reads just-submitted Flink jobs every {@link STARTUP_WATCH_MS} until they leave their starting
 * states, and hands each read to `onRead` (the reconciler puts it into its last observation,
 * which reads derive the state from and the next pass acts on).
 */
export class StartupWatch {
  private readonly ctx: Pick<LifecycleContext, "flink" | "now">;
  private readonly onRead: (job: FlinkJobSummary) => void;
  private active = false;
  /** Flink jobs read one by one while starting, with when each read began (fresher than a listing begun earlier). */
  private readonly direct = new Map<string, { job: FlinkJobSummary; at: number }>();
  /** Jobs being watched, with the timer of their next read (none while a read is under way). */
  private readonly watches = new Map<string, NodeJS.Timeout | undefined>();
  private readonly reads = new Set<Promise<void>>();

  constructor(ctx: Pick<LifecycleContext, "flink" | "now">, onRead: (job: FlinkJobSummary) => void) {
    this.ctx = ctx;
    this.onRead = onRead;
  }

  /** Watches are kept only while the loop runs: tests that tick by hand stay step by step. */
  start(): void {
    this.active = true;
  }

  /** Cancels the pending reads and waits for those under way. */
  async stop(): Promise<void> {
    this.active = false;
    for (const timer of this.watches.values()) if (timer) clearTimeout(timer);
    this.watches.clear();
    await Promise.all(this.reads);
  }

  /** A listing begun at `at`, with the jobs read directly since then in place of their listed state. */
  withDirectReads(jobs: FlinkJobSummary[], at: number): FlinkJobSummary[] {
    if (this.direct.size === 0) return jobs;
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const [id, read] of this.direct) {
      if (read.at >= at) byId.set(id, read.job);
      else this.direct.delete(id); // the listing is newer
    }
    return [...byId.values()];
  }

  watch(flinkJobId: string): void {
    if (!this.active || this.watches.has(flinkJobId)) return;
    const deadline = this.ctx.now() + STARTUP_WATCH_LIMIT_MS;
    const read = async (): Promise<void> => {
      const at = this.ctx.now();
      const job = await this.ctx.flink.getJob(flinkJobId).catch(() => undefined);
      if (!this.active) return;
      if (job) {
        this.direct.set(job.id, { job, at });
        this.onRead(job);
      }
      if ((job && !STARTING_FLINK_STATES.has(job.state)) || this.ctx.now() >= deadline) {
        // Reads already show what was seen; the passes act on it (an operation in flight keeps them fast).
        this.watches.delete(flinkJobId);
        return;
      }
      this.watches.set(flinkJobId, this.later(read));
    };
    // The first read at once: the job is often RUNNING by the time its submission returns.
    this.watches.set(flinkJobId, undefined);
    this.track(read);
  }

  private later(read: () => Promise<void>): NodeJS.Timeout {
    const timer = setTimeout(() => this.track(read), STARTUP_WATCH_MS);
    timer.unref?.();
    return timer;
  }

  /** Runs a read, remembered so that {@link stop} can wait for it. */
  private track(read: () => Promise<void>): void {
    const pending = read().finally(() => this.reads.delete(pending));
    this.reads.add(pending);
  }
}
