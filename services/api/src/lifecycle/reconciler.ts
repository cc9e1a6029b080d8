import { type FlinkException, type FlinkJobSummary, isFlinkError } from "../flink/port.ts";
import { FlowMonitor } from "../flow/monitor.ts";
import { activeOperations } from "../store/batch-reads.ts";
import type { JobRecord, OperationRecord } from "../store/store.ts";
import { type Actors, act } from "./actions.ts";
import { type Action, type CompareInput, compare, findStrays } from "./compare.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { ExceptionCache } from "./exceptions.ts";
import { observedOf } from "./observed-index.ts";
import { Listing, OperationRunner } from "./operations.ts";
import { readCluster, restartConditions } from "./recovery.ts";
import { StartupWatch } from "./startup-watch.ts";
import { changedJobs, StateEvents } from "./state-events.ts";

export { EXCEPTIONS_REFRESH_MS } from "./exceptions.ts";
export { STARTUP_WATCH_MS } from "./startup-watch.ts";

/** Delay of the next pass while an operation is in flight. */
const FAST_PASS_MS = 100;
/** Jobs reconciled between two yields to the event loop within a pass. */
export const PASS_YIELD_EVERY = 50;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export type ObservationResult =
  | ({ reachable: true } & Observation)
  | { reachable: false; at: number; error: string; urls: string[] };

export interface TickReport {
  reachable: boolean;
  actions: Array<{ job: string } & Action>;
  strays: FlinkJobSummary[];
}

/**
 * The reconcile loop: observe Flink (every job and its pipeline.name), compare with what the
 * store wants for each job, act through recorded operations. Passes never overlap; when Flink
 * is unreachable a pass observes nothing and does nothing (the jobs show UNKNOWN).
 *
 * @example
 * ```ts
 * const reconciler = new Reconciler(ctx, { intervalMs: 2000 });
 * reconciler.start();   // in production
 * await reconciler.tick(); // in tests, one pass at a time
 * ```
 */
export class Reconciler {
  readonly ctx: LifecycleContext;
  readonly runner: OperationRunner;
  readonly intervalMs: number;
  /** The last observation (successful or not). */
  last: ObservationResult | undefined;
  strays: FlinkJobSummary[] = [];
  duplicates = new Map<string, { keep: string; others: string[] }>();
  /** Counters for the metrics endpoint. */
  readonly stats = { passes: 0, failedPasses: 0, actions: 0 };
  onPass: ((report: TickReport) => void) | undefined;
  /** Flow metrics and conditions, read at most once per its interval (after a pass, not awaited). */
  readonly flow: FlowMonitor;

  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickReport> | undefined;
  /** The Flink listing under way, if any. */
  private observing: Promise<ObservationResult> | undefined;
  private stopped = true;
  /** A wake() arrived during a pass: the next pass starts as soon as this one ends. */
  private wakeRequested = false;
  private reported = new Set<string>();
  private readonly startup: StartupWatch;
  private readonly exceptions: ExceptionCache;
  private readonly actors: Actors;
  private readonly stateEvents: StateEvents;

  constructor(ctx: LifecycleContext, options: { intervalMs: number }) {
    this.ctx = ctx;
    this.runner = new OperationRunner(ctx);
    this.startup = new StartupWatch(ctx, (job) => this.noteDirectRead(job));
    this.exceptions = new ExceptionCache(ctx);
    this.flow = new FlowMonitor(ctx);
    this.runner.onSubmitted = (flinkJobId) => this.startup.watch(flinkJobId);
    this.intervalMs = options.intervalMs;
    this.stateEvents = new StateEvents(ctx);
    this.actors = {
      ctx,
      runner: this.runner,
      duplicates: this.duplicates,
      reportOnce: (key) => this.reportOnce(key),
      waiting: new Map(),
    };
  }

  /** Starts the loop (no-op when the interval is 0). */
  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.startup.start();
    this.schedule(0);
  }

  /** Stops the loop and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const watching = this.startup.stop();
    await this.running?.catch(() => undefined);
    await watching;
    await this.flow.stop();
  }

  /** Asks for a pass now (after a route recorded an operation). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      // This pass may have read the store before the operation was recorded: go again right after it.
      this.wakeRequested = true;
      return;
    }
    // Start now rather than on a timer: the pass's look at Flink overlaps the route's answer.
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.loopPass();
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loopPass();
    }, delay);
    this.timer.unref?.();
  }

  /** One pass of the loop, then the next one scheduled. */
  private loopPass(): void {
    void this.tick().then((report) => {
      // While an operation is in flight, look again soon: its next step (or the job showing
      // RUNNING) should not wait a whole interval.
      const busy = report.actions.some((a) => a.kind === "advance-operation" || a.kind === "restart");
      const woken = this.wakeRequested;
      this.wakeRequested = false;
      if (this.stopped) return;
      this.schedule(woken ? 0 : busy ? Math.min(this.intervalMs, FAST_PASS_MS) : this.intervalMs);
    });
  }

  /** One observe -> compare -> act pass. Never throws. */
  tick(): Promise<TickReport> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Observes Flink now (each pass, readiness). Reads join it while it is under way ({@link observeShared}). */
  async observe(): Promise<ObservationResult> {
    const reading = this.readFlink();
    this.observing = reading;
    try {
      return await reading;
    } finally {
      if (this.observing === reading) this.observing = undefined;
    }
  }

  /**
   * The observation under way, else a new one: reads that find the last observation too old
   * share one Flink listing instead of each starting its own (with 1,000 jobs, each listing is
   * a 1,000-entry answer to parse and index, bench/control-plane).
   */
  observeShared(): Promise<ObservationResult> {
    return this.observing ?? this.observe();
  }

  private async readFlink(): Promise<ObservationResult> {
    const at = this.ctx.now();
    try {
      const [jobs, cluster] = await Promise.all([this.ctx.flink.listJobs(), readCluster(this.ctx)]);
      const failuresOf = (id: string) => this.exceptions.of(id);
      this.last = { reachable: true, at, jobs: this.startup.withDirectReads(jobs, at), cluster, failuresOf };
    } catch (error) {
      const urls =
        isFlinkError(error) && error.urls.length > 0 ? error.urls : [this.ctx.flink.endpoints.restUrl];
      this.last = {
        reachable: false,
        at,
        error: error instanceof Error ? error.message : String(error),
        urls,
      };
    }
    return this.last;
  }

  /** A direct read of a starting job replaces the listed one in the last observation. */
  private noteDirectRead(job: FlinkJobSummary): void {
    const last = this.last;
    if (last?.reachable) {
      this.last = { ...last, jobs: [...last.jobs.filter((j) => j.id !== job.id), job] };
    }
  }

  private async pass(): Promise<TickReport> {
    this.stats.passes++;
    const report: TickReport = { reachable: false, actions: [], strays: [] };
    try {
      const listing = this.observe();
      const early = this.startFirstSubmissions(
        Listing.pending(listing.then((o) => (o.reachable ? o : undefined))),
        report,
      );
      const obs = await listing;
      if (!obs.reachable) {
        await early.done;
        this.stats.failedPasses++;
        return report;
      }
      report.reachable = true;
      const jobs = this.ctx.store.listJobs();
      const strays = findStrays(new Set(jobs.map((j) => j.name)), obs.jobs);
      for (const stray of strays) {
        if (this.reportOnce(`stray:${stray.id}`)) {
          this.ctx.log.warn(
            { flinkJobId: stray.id, pipelineName: stray.name },
            "stray Sluice job in Flink: no record",
          );
        }
      }
      this.strays = strays;
      report.strays = strays;
      for (const [i, job] of jobs.entries()) {
        // Let requests in between jobs: a pass over many jobs must not hold the event loop.
        if (i > 0 && i % PASS_YIELD_EVERY === 0) await yieldToEventLoop();
        try {
          if (early.jobs.has(job.name)) {
            // Advanced above; the rest of its reconciliation waits for a listing that shows its new Flink job.
            await early.done;
            continue;
          }
          await this.reconcileJob(job, obs, report);
        } catch (error) {
          this.ctx.log.error({ job: job.name, err: error }, "reconcile of job failed");
        }
      }
      await early.done;
      await this.exceptions.refresh(obs);
      this.stateEvents.note(this.last, changedJobs(report));
      void this.flow.refresh(obs);
    } catch (error) {
      this.stats.failedPasses++;
      this.ctx.log.error({ err: error }, "reconcile pass failed");
    }
    this.onPass?.(report);
    return report;
  }

  /**
   * Advances every first submission (see {@link OperationRunner.isFirstSubmission}) while the
   * pass's listing is still being read: its SQL Gateway session and DDL overlap the listing,
   * which is checked for a duplicate before the job is started. One after the other, as the
   * pass would. Returns the jobs concerned and when they are done.
   */
  private startFirstSubmissions(
    listing: Listing,
    report: TickReport,
  ): { jobs: Set<string>; done: Promise<void> } {
    const { store, now, config } = this.ctx;
    const names = store.listJobs().map((job) => job.name);
    const active = activeOperations(store, names);
    const ops: OperationRecord[] = [];
    for (const name of names) {
      const op = active.get(name);
      if (op && OperationRunner.isFirstSubmission(op, now(), config.operationTimeoutMs)) ops.push(op);
    }
    let done = Promise.resolve();
    for (const op of ops) {
      report.actions.push({ job: op.jobName, kind: "advance-operation", operationId: op.id });
      this.stats.actions++;
      done = done.then(() =>
        this.runner.advance(op, listing).catch((error: unknown) => {
          this.ctx.log.error({ job: op.jobName, err: error }, "reconcile of job failed");
        }),
      );
    }
    return { jobs: new Set(ops.map((op) => op.jobName)), done };
  }

  private async reconcileJob(job: JobRecord, obs: Observation, report: TickReport): Promise<void> {
    const { store, now, config } = this.ctx;
    const observed = [...observedOf(obs, job.name)];
    const runs = store.listRuns(job.name);
    const actions = compare({
      job,
      activeOperation: store.activeOperation(job.name),
      runs,
      observed,
      now: now(),
      restart: {
        limit: config.restartLimit,
        backoffMs: config.restartBackoffMs,
        backoffMaxMs: config.restartBackoffMaxMs,
      },
      specs: this.specs(job, runs[0]?.version),
      ...(mayRestart(job, runs[0], observed)
        ? restartConditions(this.ctx, job, runs[0], obs, this.exceptions, this.actors.waiting.has(job.name))
        : { freeRestart: false }),
    });
    for (const action of actions) {
      report.actions.push({ job: job.name, ...action });
      this.stats.actions++;
      await act(this.actors, job, action, obs);
    }
  }

  /** The specs of the current version and of the running one, when they differ. */
  private specs(job: JobRecord, runningVersion: number | undefined): CompareInput["specs"] {
    if (runningVersion === undefined || runningVersion === job.currentVersion) return undefined;
    const current = this.ctx.store.getVersion(job.name, job.currentVersion);
    const running = this.ctx.store.getVersion(job.name, runningVersion);
    return current && running ? { current: current.spec, running: running.spec } : undefined;
  }

  /**
   * Recent exceptions of a Flink job, newest first, as the passes last read them (none before a
   * pass has seen the job started). Messages are as Flink sent them: scrub secrets before showing.
   *
   * @example
   * ```ts
   * const shown = reconciler.exceptionsOf(run.flinkJobId).slice(0, 10);
   * ```
   */
  exceptionsOf(flinkJobId: string): readonly FlinkException[] {
    return this.exceptions.of(flinkJobId);
  }

  private reportOnce(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}

/**
 * Whether {@link compare} may restart the job, the only time it reads the restart conditions:
 * it should run and its latest run FAILED or vanished. Spares a pass the spec read per job.
 */
function mayRestart(
  job: JobRecord,
  latest: { flinkJobId: string } | undefined,
  observed: readonly FlinkJobSummary[],
): boolean {
  if (job.desiredState !== "RUNNING" || !latest) return false;
  const state = observed.find((j) => j.id === latest.flinkJobId)?.state;
  return state === undefined || state === "FAILED";
}
