import { Gauge, type Registry } from "prom-client";
import { CONDITION_TYPES } from "./conditions.ts";
import type { FlowMonitor, JobFlow } from "./monitor.ts";

type Fresh = Array<{ job: string; flow: JobFlow }>;

/**
 * The `sluice_flow_*` Prometheus gauges, computed when scraped from what the flow monitor last
 * read (never a Flink call). Labels are bounded: `job`, `table`, `direction` (in, out,
 * dead_letter, error), and for conditions `condition` and `status` (True, False, Unknown).
 * Counts are Flink's counters of the current Flink job (they restart at 0 with a new run).
 */
export function registerFlowMetrics(registry: Registry, monitor: () => FlowMonitor): void {
  const registers = [registry];
  const fresh = (): Fresh =>
    monitor()
      .jobNames()
      .flatMap((job) => {
        const flow = monitor().flowOf(job);
        return flow ? [{ job, flow }] : [];
      });
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (set: (labels: Record<string, string>, value: number) => void, jobs: Fresh) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill((labels, value) => this.set(labels, value), fresh());
      },
    });
  gauge(
    "sluice_flow_records_total",
    "Records per table: read (in), written (out), dead-lettered, errors",
    ["job", "table", "direction"],
    (set, jobs) => {
      for (const { job, flow } of jobs) {
        for (const s of flow.snapshot?.sources ?? []) {
          set({ job, table: s.table, direction: "in" }, s.recordsRead);
          set({ job, table: s.table, direction: "dead_letter" }, s.deadLettered);
          set({ job, table: s.table, direction: "error" }, s.errors);
        }
        for (const s of flow.snapshot?.sinks ?? [])
          set({ job, table: s.table, direction: "out" }, s.recordsWritten);
      }
    },
  );
  gauge(
    "sluice_flow_lag_records",
    "Records behind the end of the input per source table",
    ["job", "table"],
    (set, jobs) => {
      for (const { job, flow } of jobs)
        for (const s of flow.snapshot?.sources ?? []) if (s.lag !== null) set({ job, table: s.table }, s.lag);
    },
  );
  gauge(
    "sluice_flow_watermark_lag_seconds",
    "Read time minus the lowest watermark per source table",
    ["job", "table"],
    (set, jobs) => {
      for (const { job, flow } of jobs)
        for (const s of flow.snapshot?.sources ?? [])
          if (s.watermarkLagMs !== null) set({ job, table: s.table }, s.watermarkLagMs / 1000);
    },
  );
  gauge(
    "sluice_flow_last_write_timestamp_seconds",
    "When a read first saw a sink's count grow",
    ["job", "table"],
    (set, jobs) => {
      for (const { job, flow } of jobs)
        for (const s of flow.snapshot?.sinks ?? [])
          if (s.lastWriteAt !== null) set({ job, table: s.table }, s.lastWriteAt / 1000);
    },
  );
  registerJobGauges(gauge);
}

type GaugeFactory = (
  name: string,
  help: string,
  labelNames: string[],
  fill: (set: (labels: Record<string, string>, value: number) => void, jobs: Fresh) => void,
) => Gauge;

function registerJobGauges(gauge: GaugeFactory): void {
  const perJob = (name: string, help: string, value: (flow: JobFlow) => number | null | undefined) =>
    gauge(name, help, ["job"], (set, jobs) => {
      for (const { job, flow } of jobs) {
        const v = value(flow);
        if (v !== null && v !== undefined) set({ job }, v);
      }
    });
  perJob("sluice_flow_read_timestamp_seconds", "When the flow metrics were read from Flink", (f) =>
    f.snapshot ? f.snapshot.readAt / 1000 : null,
  );
  perJob("sluice_flow_checkpoint_completed_timestamp_seconds", "When the last checkpoint completed", (f) =>
    f.snapshot?.checkpoint ? f.snapshot.checkpoint.completedAt / 1000 : null,
  );
  perJob("sluice_flow_checkpoint_duration_seconds", "Duration of the last completed checkpoint", (f) =>
    f.snapshot?.checkpoint?.durationMs != null ? f.snapshot.checkpoint.durationMs / 1000 : null,
  );
  perJob(
    "sluice_flow_checkpoint_size_bytes",
    "Size of the last completed checkpoint",
    (f) => f.snapshot?.checkpoint?.sizeBytes,
  );
  perJob(
    "sluice_flow_checkpoint_failures_total",
    "Failed checkpoints of the current Flink job",
    (f) => f.snapshot?.checkpointFailures,
  );
  perJob("sluice_flow_restarts_total", "Restarts of the current Flink job", (f) => f.snapshot?.restarts);
  perJob(
    "sluice_flow_busy_ratio",
    "Busy time per second of the busiest task (0..1)",
    (f) => f.snapshot?.busiest?.busyRatio,
  );
  perJob(
    "sluice_flow_backpressured_ratio",
    "Back-pressured time per second of the busiest task (0..1)",
    (f) => f.snapshot?.busiest?.backPressuredRatio,
  );
  gauge(
    "sluice_flow_condition",
    "1 for the current status of each condition, 0 for the others",
    ["job", "condition", "status"],
    (set, jobs) => {
      for (const { job, flow } of jobs)
        for (const condition of CONDITION_TYPES) {
          const current = flow.conditions.find((c) => c.type === condition)?.status ?? "Unknown";
          for (const status of ["True", "False", "Unknown"])
            set({ job, condition, status }, status === current ? 1 : 0);
        }
    },
  );
}
