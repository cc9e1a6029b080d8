import type { FlowConfig } from "../config.ts";
import type { LifecycleContext, Observation } from "../lifecycle/context.ts";
import { observedById } from "../lifecycle/observed-index.ts";
import { latestRuns } from "../store/batch-reads.ts";
import { allUnknown, type Condition, conditions, DEFAULT_THRESHOLDS, transition } from "./conditions.ts";
import { FLOW_JOB_METRICS, type FlowSnapshot, rateBaseOf, toSnapshot } from "./snapshot.ts";
import { flowMetricIds } from "./tables.ts";

export const DEFAULT_FLOW_CONFIG: FlowConfig = { intervalMs: 5_000, maxAgeMs: 30_000, ...DEFAULT_THRESHOLDS };

/** Event type of a condition change in the job's event log. */
export const CONDITION_EVENT = "condition";

interface JobFlowState {
  flinkJobId: string;
  /** Snapshots of this Flink job, oldest first, spanning the longest threshold window. */
  history: FlowSnapshot[];
  conditions: Condition[];
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
    const running = new Map<string, string>();
    for (const [name, run] of latestRuns(
      store,
      store.listJobs().map((job) => job.name),
    )) {
      const seen = observedById(obs, run.flinkJobId);
      if (seen?.state === "RUNNING") running.set(name, seen.id);
    }
    for (const name of this.jobs.keys()) if (!running.has(name)) this.jobs.delete(name);
    for (const [name, flinkJobId] of running) {
      try {
        await this.readJob(name, flinkJobId);
        this.stats.reads++;
      } catch (error) {
        this.stats.failedReads++;
        this.ctx.log.warn({ job: name, flinkJobId, err: error }, "reading flow metrics failed");
      }
    }
  }

  private async readJob(name: string, flinkJobId: string): Promise<void> {
    const raw = await this.ctx.flink.readFlowMetrics(flinkJobId, {
      jobMetrics: FLOW_JOB_METRICS,
      vertexMetrics: flowMetricIds,
    });
    const now = this.ctx.now();
    const before = this.jobs.get(name);
    const state: JobFlowState =
      before?.flinkJobId === flinkJobId
        ? before
        : { flinkJobId, history: [], conditions: before?.conditions ?? [] };
    const snapshot = toSnapshot(raw, flinkJobId, now, state.history.at(-1), rateBaseOf(state.history, now));
    state.history.push(snapshot);
    const keepMs = Math.max(
      this.config.noOutputMs,
      this.config.checkpointMaxAgeMs,
      this.config.deadLetterWindowMs,
    );
    // Keep one snapshot older than the longest window: it is the baseline of that window.
    while (state.history.length > 2 && (state.history[1]?.readAt ?? now) <= now - keepMs)
      state.history.shift();
    const next = transition(state.conditions, conditions(state.history, this.config), now);
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
