import type { FlowConfig } from "../config.ts";
import type { LifecycleContext, Observation } from "../lifecycle/context.ts";
import { observedById } from "../lifecycle/observed-index.ts";
import { databaseOutage, type SinkOutage } from "../lifecycle/sink-outage.ts";
import { latestRuns, versionSpecs } from "../store/batch-reads.ts";
import type { JobRecord } from "../store/store.ts";
import {
  allUnknown,
  type Condition,
  type ConditionState,
  conditions,
  DEFAULT_THRESHOLDS,
  type FlowThresholds,
  transition,
} from "./conditions.ts";
import { restartingConditions, withSinkOutage } from "./sink-outage.ts";
import { FLOW_JOB_METRICS, type FlowSnapshot, rateBaseOf, toSnapshot } from "./snapshot.ts";
import { attributeFileWriters, fileSinkTables, flowMetricIds } from "./tables.ts";
import { historyWindowMs, type JobThresholds, jobThresholds } from "./thresholds.ts";

export const DEFAULT_FLOW_CONFIG: FlowConfig = { intervalMs: 5_000, maxAgeMs: 30_000, ...DEFAULT_THRESHOLDS };

/** Event type of a condition change in the job's event log. */
export const CONDITION_EVENT = "condition";

interface JobFlowState {
  flinkJobId: string;
  /** Snapshots of this Flink job, oldest first, spanning the longest threshold window. */
  history: FlowSnapshot[];
  conditions: Condition[];
  /** Flink restarts the job because a database it writes to does not answer (no metrics read). */
  restarting?: boolean;
}

/** What the API serves for a job: the latest snapshot if fresh enough, and its conditions. */
export interface JobFlow {
  snapshot: FlowSnapshot | undefined;
  conditions: Condition[];
}

/**
 * Reads the flow metrics of every RUNNING Sluice job from Flink at a bounded rate and keeps
 * the latest snapshot, a short history and the conditions per job. The reconciler calls
 * {@link refresh} after each pass; a read starts only when the previous one ended at least
 * `intervalMs` ago, so Flink sees at most one read per interval (2 + one call per vertex per
 * job), whatever the number of API requests. Routes only call {@link flowOf} (no Flink call).
 */
export class FlowMonitor {
  readonly config: FlowConfig;
  readonly stats = { reads: 0, failedReads: 0 };
  private readonly jobs = new Map<string, JobFlowState>();
  /** Thresholds per job, of the job record and version they were read for (a version never changes). */
  private readonly thresholds = new Map<string, { key: string; value: JobThresholds }>();
  /** Jobs whose newest failure is a database outage, as of the last read. */
  private readonly outages = new Map<string, SinkOutage>();
  private reading: Promise<void> | undefined;
  private lastReadAt = Number.NEGATIVE_INFINITY;

  private readonly ctx: LifecycleContext;

  constructor(ctx: LifecycleContext) {
    this.ctx = ctx;
    this.config = { ...DEFAULT_FLOW_CONFIG, ...ctx.config.flow };
  }

  /** Starts a read of every running job unless one is running or the last was too recent; never throws. */
  refresh(obs: Observation): Promise<void> {
    if (this.reading) return this.reading;
    if (this.ctx.now() - this.lastReadAt < this.config.intervalMs) return Promise.resolve();
    this.lastReadAt = this.ctx.now();
    this.reading = this.readAll(obs)
      .catch((error: unknown) => this.ctx.log.error({ err: error }, "flow read failed"))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** Waits for the read in progress (on shutdown). */
  async stop(): Promise<void> {
    await this.reading;
  }

  /** The flow of a job as last read; no snapshot (and Unknown conditions) when older than `maxAgeMs`. */
  flowOf(jobName: string): JobFlow | undefined {
    const state = this.jobs.get(jobName);
    if (state?.restarting) return { snapshot: undefined, conditions: state.conditions };
    const latest = state?.history.at(-1);
    if (!state || !latest) return undefined;
    const age = this.ctx.now() - latest.readAt;
    if (age <= this.config.maxAgeMs) return { snapshot: latest, conditions: state.conditions };
    const stale = allUnknown("MetricsStale", `flow metrics are ${Math.round(age / 1000)} s old`);
    return {
      snapshot: undefined,
      conditions: transition(state.conditions, stale, this.ctx.now()).conditions,
    };
  }

  /** Every job with flow state (for the metrics endpoint). */
  jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  private async readAll(obs: Observation): Promise<void> {
    const { store } = this.ctx;
    const running = new Map<string, { flinkJobId: string; job: JobRecord; version: number }>();
    const restarting = new Map<string, { flinkJobId: string; job: JobRecord }>();
    this.outages.clear();
    const jobs = new Map(store.listJobs().map((job) => [job.name, job]));
    for (const [name, run] of latestRuns(store, [...jobs.keys()])) {
      const job = jobs.get(name);
      const seen = observedById(obs, run.flinkJobId);
      if (!job || !seen) continue;
      const failure = obs.failuresOf?.(run.flinkJobId)[0];
      // The spec is read only for a job that failed: a database outage needs its jdbc tables.
      const outage = failure && databaseOutage(failure, store.getVersion(name, run.version)?.spec);
      if (outage) this.outages.set(name, outage);
      if (seen.state === "RUNNING") running.set(name, { flinkJobId: seen.id, job, version: run.version });
      else if (outage && seen.state === "RESTARTING") restarting.set(name, { flinkJobId: seen.id, job });
    }
    for (const name of this.jobs.keys())
      if (!running.has(name) && !restarting.has(name)) this.jobs.delete(name);
    for (const name of this.thresholds.keys())
      if (!running.has(name) && !restarting.has(name)) this.thresholds.delete(name);
    for (const [name, { flinkJobId }] of restarting) this.noteRestarting(name, flinkJobId);
    // Every store read before the first await: one query for all specs, none per job.
    const specs = versionSpecs(
      store,
      [...running].flatMap(([name, r]) => [
        { jobName: name, version: r.version },
        { jobName: name, version: r.job.currentVersion },
      ]),
    );
    const reads = [...running].map(([name, { flinkJobId, job, version }]) => ({
      name,
      flinkJobId,
      thresholds: this.thresholdsOf(job, specs.get(`${name}@${job.currentVersion}`)).thresholds,
      fileSinks: fileSinkTables(specs.get(`${name}@${version}`)),
    }));
    for (const { name, flinkJobId, thresholds, fileSinks } of reads) {
      try {
        await this.readJob(name, flinkJobId, thresholds, fileSinks);
        this.stats.reads++;
      } catch (error) {
        this.stats.failedReads++;
        this.ctx.log.warn({ job: name, flinkJobId, err: error }, "reading flow metrics failed");
      }
    }
  }

  /**
   * The thresholds of a job's current version: its spec's `flow` over the API's defaults. A
   * change of `flow` is recorded as a new version without a restart, and counts from the next read.
   */
  thresholdsOf(job: JobRecord, spec?: unknown): JobThresholds {
    // A job deleted and created again under its name starts at version 1 again: its creation tells.
    const key = `${job.createdAt}/${job.currentVersion}`;
    const known = this.thresholds.get(job.name);
    if (known?.key === key) return known.value;
    const value = jobThresholds(
      this.config,
      spec ?? this.ctx.store.getVersion(job.name, job.currentVersion)?.spec,
    );
    this.thresholds.set(job.name, { key, value });
    return value;
  }

  /** One Flink read of a job's flow metrics, its filesystem writers attributed by its spec. */
  private async readRaw(flinkJobId: string, fileSinks: string[]) {
    const raw = await this.ctx.flink.readFlowMetrics(flinkJobId, {
      jobMetrics: FLOW_JOB_METRICS,
      vertexMetrics: flowMetricIds,
    });
    return attributeFileWriters(raw, fileSinks);
  }

  private async readJob(
    name: string,
    flinkJobId: string,
    thresholds: FlowThresholds,
    fileSinks: string[],
  ): Promise<void> {
    const raw = await this.readRaw(flinkJobId, fileSinks);
    const now = this.ctx.now();
    const before = this.jobs.get(name);
    const state: JobFlowState =
      before?.flinkJobId === flinkJobId
        ? before
        : { flinkJobId, history: [], conditions: before?.conditions ?? [] };
    const snapshot = toSnapshot(raw, flinkJobId, now, state.history.at(-1), rateBaseOf(state.history, now));
    state.history.push(snapshot);
    const keepMs = historyWindowMs(thresholds);
    // Keep one snapshot older than the longest window: it is the baseline of that window.
    while (state.history.length > 2 && (state.history[1]?.readAt ?? now) <= now - keepMs)
      state.history.shift();
    const judged = withSinkOutage(conditions(state.history, thresholds), this.outages.get(name), snapshot);
    state.restarting = false;
    this.update(name, state, judged, now);
  }

  /** A job Flink restarts because its database does not answer: its conditions say so. */
  private noteRestarting(name: string, flinkJobId: string): void {
    const outage = this.outages.get(name);
    if (!outage) return;
    const before = this.jobs.get(name);
    const state: JobFlowState =
      before?.flinkJobId === flinkJobId
        ? before
        : { flinkJobId, history: [], conditions: before?.conditions ?? [] };
    state.restarting = true;
    this.update(name, state, restartingConditions(state.conditions, outage), this.ctx.now());
  }

  /** Keeps the job's new conditions and logs each change as a `condition` event. */
  private update(name: string, state: JobFlowState, judged: ConditionState[], now: number): void {
    const next = transition(state.conditions, judged, now);
    state.conditions = next.conditions;
    this.jobs.set(name, state);
    for (const { from, to } of next.changed) {
      const was = from ? `${from.status} (${from.reason})` : "none";
      this.ctx.store.addEvent(
        name,
        CONDITION_EVENT,
        `${to.type} ${to.status} (${to.reason}): ${to.message}; was ${was}`,
        {
          type: to.type,
          status: to.status,
          reason: to.reason,
          message: to.message,
          previous: from?.status ?? null,
        },
        now,
      );
    }
  }
}
