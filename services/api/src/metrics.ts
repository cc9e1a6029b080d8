import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { registerFlowMetrics } from "./flow/metrics.ts";
import { batchReads } from "./lifecycle/job-reads.ts";
import type { Reconciler } from "./lifecycle/reconciler.ts";
import { shownState } from "./lifecycle/shown-state.ts";
import { LIFECYCLE_STATES } from "./lifecycle/state.ts";
import type { JobStore } from "./store/store.ts";

/**
 * The API's Prometheus metrics, in a registry of its own (one per app, so tests can build
 * several apps). Job and reconciler gauges are computed when scraped.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;

  constructor(deps: { store: JobStore; reconciler: Reconciler; restartLimit: number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_api_" });
    this.httpRequests = new Counter({
      name: "sluice_api_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "sluice_api_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    const { reconciler, store } = deps;
    registerFlowMetrics(this.registry, () => reconciler.flow);
    new Gauge({
      name: "sluice_reconcile_passes_total",
      help: "Reconcile passes since start (a counter exposed as gauge: it is read from the reconciler)",
      registers,
      collect() {
        this.set(reconciler.stats.passes);
      },
    });
    new Gauge({
      name: "sluice_reconcile_failed_passes_total",
      help: "Reconcile passes that could not observe Flink",
      registers,
      collect() {
        this.set(reconciler.stats.failedPasses);
      },
    });
    new Gauge({
      name: "sluice_flink_reachable",
      help: "1 when the last observation reached Flink",
      registers,
      collect() {
        this.set(reconciler.last?.reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: "sluice_stray_jobs",
      help: "Active sluice/* Flink jobs with no record",
      registers,
      collect() {
        this.set(reconciler.strays.length);
      },
    });
    new Gauge({
      name: "sluice_jobs",
      help: "Jobs by derived lifecycle state",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0])) as Record<string, number>;
        const jobs = store.listJobs();
        const reads = batchReads(
          store,
          jobs.map((job) => job.name),
        );
        for (const job of jobs) {
          const state = shownState(store, job, reconciler.last, deps.restartLimit, reads).derived.state;
          counts[state] = (counts[state] ?? 0) + 1;
        }
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
  }
}
