import {
  type FlinkException,
  type FlinkJobSummary,
  isFlinkError,
  parsePipelineName,
  TERMINAL_FLINK_STATES,
} from "../flink/port.ts";
import type { JobRecord, OperationRecord } from "../store/store.ts";
import { type Action, compare, findStrays } from "./compare.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { OperationRunner, type PendingObservation, type SubmitParams } from "./operations.ts";
import { scrub, secretValues } from "./secrets.ts";

/** Delay of the next pass while an operation is in flight. */
const FAST_PASS_MS = 100;

/**
 * How often a just-submitted Flink job is read directly (`GET /jobs/<id>`) until it leaves its
 * starting states, so that RUNNING shows within this delay of Flink reporting it instead of at
 * the next pass. The API overhead benchmark polls its SQL Gateway baseline at the same rate.
 */
export const STARTUP_WATCH_MS = 50;
/** After this long a job still starting (e.g. waiting for slots) is left to the regular passes. */
const STARTUP_WATCH_LIMIT_MS = 10_000;
/** Flink states of a job that has been submitted but does not run yet. */
const STARTING_FLINK_STATES: ReadonlySet<string> = new Set(["INITIALIZING", "CREATED"]);
/**
 * How long the passes keep serving a Flink job's exceptions before reading them again (sooner when
 * the job's state changes). Reads of a job serve this copy: a read never calls Flink for them.
 */
export const EXCEPTIONS_REFRESH_MS = 5_000;

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

  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickReport> | undefined;
  private stopped = true;
  /** A wake() arrived during a pass: the next pass starts as soon as this one ends. */
  private wakeRequested = false;
  private reported = new Set<string>();
  /** Flink jobs read one by one while starting, with when each read began (fresher than a listing begun earlier). */
  private readonly direct = new Map<string, { job: FlinkJobSummary; at: number }>();
  /** Just-submitted Flink jobs being watched, with the timer of their next read (none while a read is under way). */
  private readonly watches = new Map<string, NodeJS.Timeout | undefined>();
  private readonly watchReads = new Set<Promise<void>>();
  /** Recent exceptions of each job's current Flink job, as a pass last read them, with the state then seen. */
  private readonly exceptionCache = new Map<
    string,
    { state: string; at: number; exceptions: FlinkException[] }
  >();

  constructor(ctx: LifecycleContext, options: { intervalMs: number }) {
    this.ctx = ctx;
    this.runner = new OperationRunner(ctx);
    this.runner.onSubmitted = (flinkJobId) => this.watchStart(flinkJobId);
    this.intervalMs = options.intervalMs;
  }

  /** Starts the loop (no-op when the interval is 0). */
  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const timer of this.watches.values()) if (timer) clearTimeout(timer);
    this.watches.clear();
    await this.running?.catch(() => undefined);
    await Promise.all(this.watchReads);
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

  /** Observes Flink now (used by readiness and by reads when the loop is off). */
  async observe(): Promise<ObservationResult> {
    const at = this.ctx.now();
    try {
      const jobs = await this.ctx.flink.listJobs();
      this.last = { reachable: true, at, jobs: this.withDirectReads(jobs, at) };
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

  /** A listing begun at `at`, with the jobs read directly since then in place of their listed state. */
  private withDirectReads(jobs: FlinkJobSummary[], at: number): FlinkJobSummary[] {
    if (this.direct.size === 0) return jobs;
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const [id, read] of this.direct) {
      if (read.at >= at) byId.set(id, read.job);
      else this.direct.delete(id); // the listing is newer
    }
    return [...byId.values()];
  }

  /**
   * Reads a just-submitted Flink job every {@link STARTUP_WATCH_MS} until it leaves its starting
   * states, and puts what it read into the last observation, which reads derive the state from
   * (and the next pass acts on). Only while the loop runs: tests that call {@link tick} stay step
   * by step.
   */
  private watchStart(flinkJobId: string): void {
    if (this.stopped || this.watches.has(flinkJobId)) return;
    const deadline = this.ctx.now() + STARTUP_WATCH_LIMIT_MS;
    const read = async (): Promise<void> => {
      const at = this.ctx.now();
      const job = await this.ctx.flink.getJob(flinkJobId).catch(() => undefined);
      if (this.stopped) return;
      if (job) this.noteDirectRead(job, at);
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

  /** Runs a watch read, remembered so that {@link stop} can wait for it. */
  private track(read: () => Promise<void>): void {
    const pending = read().finally(() => this.watchReads.delete(pending));
    this.watchReads.add(pending);
  }

  private noteDirectRead(job: FlinkJobSummary, at: number): void {
    this.direct.set(job.id, { job, at });
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
        listing.then((o) => (o.reachable ? o : undefined)),
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
      for (const job of jobs) {
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
      await this.refreshExceptions(obs);
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
    listing: PendingObservation,
    report: TickReport,
  ): { jobs: Set<string>; done: Promise<void> } {
    const { store, now, config } = this.ctx;
    const ops: OperationRecord[] = [];
    for (const job of store.listJobs()) {
      const op = store.activeOperation(job.name);
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
    const observed = obs.jobs.filter((j) => parsePipelineName(j.name)?.jobName === job.name);
    const actions = compare({
      job,
      activeOperation: store.activeOperation(job.name),
      runs: store.listRuns(job.name),
      observed,
      now: now(),
      restart: {
        limit: config.restartLimit,
        backoffMs: config.restartBackoffMs,
        backoffMaxMs: config.restartBackoffMaxMs,
      },
    });
    for (const action of actions) {
      report.actions.push({ job: job.name, ...action });
      this.stats.actions++;
      await this.act(job, action, obs);
    }
  }

  private async act(job: JobRecord, action: Action, obs: Observation): Promise<void> {
    const { store, now, log } = this.ctx;
    switch (action.kind) {
      case "advance-operation": {
        const op = store.getOperation(action.operationId);
        if (op) await this.runner.advance(op, obs);
        return;
      }
      case "adopt":
        store.transaction(() => {
          store.recordRun({
            flinkJobId: action.flinkJobId,
            jobName: job.name,
            version: action.version,
            restoredFrom: null,
            operationId: null,
            submittedAt: obs.jobs.find((j) => j.id === action.flinkJobId)?.startTime ?? now(),
          });
          store.addEvent(
            job.name,
            "adopted",
            `re-attached to running Flink job ${action.flinkJobId}`,
            {
              flinkJobId: action.flinkJobId,
            },
            now(),
          );
        });
        return;
      case "note-run-state": {
        store.setRunSeenState(action.flinkJobId, action.to);
        const ended = action.to === "MISSING" || TERMINAL_FLINK_STATES.has(action.to);
        const outside = ended && job.desiredState === "RUNNING" && !store.activeOperation(job.name);
        let message = `Flink job ${action.flinkJobId} is ${action.to}`;
        let exceptions: string[] = [];
        if (outside) {
          exceptions = await this.recentExceptions(job, action.flinkJobId);
          message += `, outside Sluice${exceptions.length > 0 ? `: ${exceptions[0]}` : ""}`;
          log.warn({ job: job.name, flinkJobId: action.flinkJobId, state: action.to }, message);
        }
        store.addEvent(
          job.name,
          outside ? "flink-job-ended" : "flink-state",
          message,
          {
            flinkJobId: action.flinkJobId,
            from: action.from,
            to: action.to,
            ...(exceptions.length > 0 ? { exceptions } : {}),
          },
          now(),
        );
        return;
      }
      case "report-duplicates": {
        this.duplicates.set(job.name, { keep: action.keep, others: action.others });
        if (this.reportOnce(`dup:${job.name}:${action.others.join(",")}`)) {
          log.warn(
            { job: job.name, keep: action.keep, others: action.others },
            "duplicate Flink jobs for one Sluice job",
          );
          store.addEvent(
            job.name,
            "duplicates",
            `several Flink jobs run this job: keeping ${action.keep}, not touching ${action.others.join(", ")}`,
            { keep: action.keep, others: action.others },
            now(),
          );
        }
        return;
      }
      case "schedule-restart":
        store.transaction(() => {
          store.updateJob(job.name, { nextRestartAt: action.at }, now());
          store.addEvent(
            job.name,
            "restart-scheduled",
            `automatic restart ${action.attempt}/${this.ctx.config.restartLimit} in ${Math.round((action.at - now()) / 1000)} s`,
            { at: action.at, attempt: action.attempt },
            now(),
          );
        });
        return;
      case "restart": {
        const failedRun = store.latestRun(job.name);
        store.transaction(() => {
          if (store.activeOperation(job.name)) return; // a user operation got there first
          const params: SubmitParams = {
            version: job.currentVersion,
            restore: failedRun ? { mode: "auto", failedJobId: failedRun.flinkJobId } : { mode: "latest" },
            reason: "restart",
          };
          store.addOperation(job.name, "submit", { ...params }, now());
          store.updateJob(job.name, { restartAttempts: action.attempt, nextRestartAt: null }, now());
          store.addEvent(
            job.name,
            "restarting",
            `automatic restart ${action.attempt}/${this.ctx.config.restartLimit}`,
            {
              attempt: action.attempt,
            },
            now(),
          );
        });
        return;
      }
      case "give-up":
        store.addEvent(
          job.name,
          "restart-limit",
          `job failed and the restart limit (${action.attempts}) is reached; start it by hand`,
          null,
          now(),
        );
        return;
      default: {
        const never: never = action;
        log.error({ action: never }, "unknown reconcile action");
      }
    }
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
    return this.exceptionCache.get(flinkJobId)?.exceptions ?? [];
  }

  /**
   * Reads the exceptions of each job's current Flink job when its observed state changed or the
   * copy is older than {@link EXCEPTIONS_REFRESH_MS}, after the pass has acted (so this never
   * delays an action). Jobs not started yet have none and are skipped. Copies of Flink jobs that
   * are no longer a job's current run are dropped.
   */
  private async refreshExceptions(obs: Observation): Promise<void> {
    const { store, now, flink } = this.ctx;
    const current = new Set<string>();
    for (const job of store.listJobs()) {
      const run = store.latestRun(job.name);
      if (!run) continue;
      current.add(run.flinkJobId);
      const state = obs.jobs.find((j) => j.id === run.flinkJobId)?.state;
      if (state === undefined || STARTING_FLINK_STATES.has(state)) continue;
      const cached = this.exceptionCache.get(run.flinkJobId);
      if (cached && cached.state === state && now() - cached.at < EXCEPTIONS_REFRESH_MS) continue;
      const at = now();
      try {
        const exceptions = await flink.exceptions(run.flinkJobId);
        this.exceptionCache.set(run.flinkJobId, { state, at, exceptions });
      } catch {
        // Keep the previous copy (if any); the next pass tries again.
      }
    }
    for (const id of this.exceptionCache.keys()) if (!current.has(id)) this.exceptionCache.delete(id);
  }

  private async recentExceptions(job: JobRecord, flinkJobId: string): Promise<string[]> {
    const version = this.ctx.store.getVersion(job.name, job.currentVersion);
    const secrets = version ? secretValues(this.ctx, version.compiled) : [];
    const exceptions = await this.ctx.flink.exceptions(flinkJobId).catch(() => []);
    return exceptions.slice(0, 3).map((e) => scrub(e.message, secrets));
  }

  private reportOnce(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}
