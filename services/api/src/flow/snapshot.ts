import type { AggregatedValue, RawFlowMetrics } from "../flink/port.ts";
import { operatorMetric } from "./tables.ts";

/** Flink reports "no watermark yet" as Long.MIN_VALUE. */
const NO_WATERMARK = -9.2e18;

export interface SourceFlow {
  table: string;
  recordsRead: number;
  /** Bytes read from Kafka (or the source's numBytesIn); null when Flink has no such metric. */
  bytesRead: number | null;
  /** Records the source counted as errors (numRecordsInErrors). */
  errors: number;
  /** Records written to the table's `__dead_letters` sink. */
  deadLettered: number;
  /** Records behind the end of the input (Kafka pendingRecords, summed over subtasks); null when unknown. */
  lag: number | null;
  /** readAt minus the lowest output watermark of the source; null without event time. */
  watermarkLagMs: number | null;
  /** Records per second since the previous read; null on the first read. */
  readRate: number | null;
}

export interface SinkFlow {
  table: string;
  recordsWritten: number;
  /** When a read first saw the count grow (so within one read interval); null when never seen. */
  lastWriteAt: number | null;
  writeRate: number | null;
}

export interface CheckpointFlow {
  id: number;
  completedAt: number;
  durationMs: number | null;
  sizeBytes: number | null;
}

/** What the flow of one Flink job looked like at `readAt` (epoch ms). */
export interface FlowSnapshot {
  flinkJobId: string;
  readAt: number;
  sources: SourceFlow[];
  sinks: SinkFlow[];
  checkpoint: CheckpointFlow | null;
  checkpointsCompleted: number;
  checkpointFailures: number;
  restarts: number;
  /** The busiest vertex: the largest busy and back-pressured time per second, as ratios 0..1. */
  busiest: { vertex: string; busyRatio: number; backPressuredRatio: number } | null;
}

/** The job-level metric ids a flow read asks for. */
export const FLOW_JOB_METRICS = [
  "numRestarts",
  "numberOfFailedCheckpoints",
  "numberOfCompletedCheckpoints",
  "lastCompletedCheckpointId",
  "lastCheckpointCompletedTimestamp",
  "lastCheckpointDuration",
  "lastCheckpointSize",
] as const;

type Tables = Map<string, Map<string, AggregatedValue>>;

/**
 * Flink's REST API serves metric values its fetcher refreshed up to 10 s ago
 * (`metrics.fetcher.update-interval`): rates are taken over at least this span, else they jump
 * between 0 and a burst.
 */
export const RATE_SPAN_MS = 15_000;

/**
 * Turns the raw metrics of one read into a snapshot: per-table sums of the operator metrics,
 * last write times against the previous snapshot of the same Flink job, and rates against
 * `rateBase` (by default the previous snapshot; see {@link rateBaseOf}).
 */
export function toSnapshot(
  raw: RawFlowMetrics,
  flinkJobId: string,
  readAt: number,
  previous?: FlowSnapshot,
  rateBase: FlowSnapshot | undefined = previous,
): FlowSnapshot {
  const prev = previous?.flinkJobId === flinkJobId ? previous : undefined;
  const base = rateBase?.flinkJobId === flinkJobId ? rateBase : undefined;
  const sources: Tables = new Map();
  const sinks: Tables = new Map();
  const deadLetters: Tables = new Map();
  let busiest: FlowSnapshot["busiest"] = null;
  for (const vertex of raw.vertices) {
    for (const [id, value] of Object.entries(vertex.metrics)) {
      const op = operatorMetric(id);
      if (!op) continue;
      const into = op.role === "source" ? sources : op.role === "sink" ? sinks : deadLetters;
      add(into, op.table, op.metric, value);
    }
    busiest = busier(busiest, vertex.name, vertex.metrics);
  }
  // Flink restarted the job's tasks since the previous read: their counters began again at 0, so
  // any record counted now was written after that read.
  const restarted = prev !== undefined && (raw.job.numRestarts ?? 0) > prev.restarts;
  const seconds = base ? (readAt - base.readAt) / 1000 : 0;
  const rate = (now: number, before: number | undefined) =>
    before === undefined || seconds <= 0 ? null : Math.max(0, now - before) / seconds;
  return {
    flinkJobId,
    readAt,
    sources: [...sources].map(([table, m]) => {
      const recordsRead = m.get("numRecordsOut")?.sum ?? 0;
      const before = base?.sources.find((s) => s.table === table)?.recordsRead;
      return {
        table,
        recordsRead,
        bytesRead:
          m.get("KafkaSourceReader.KafkaConsumer.bytes-consumed-total")?.sum ??
          nonZero(m.get("numBytesIn")?.sum),
        errors: m.get("numRecordsInErrors")?.sum ?? 0,
        deadLettered: deadLetters.get(table)?.get("numRecordsIn")?.sum ?? 0,
        lag: m.get("pendingRecords")?.sum ?? null,
        watermarkLagMs: watermarkLag(m.get("currentOutputWatermark")?.min, readAt),
        readRate: rate(recordsRead, before),
      };
    }),
    sinks: [...sinks].map(([table, m]) => {
      const recordsWritten = m.get("numRecordsIn")?.sum ?? 0;
      const before = prev?.sinks.find((s) => s.table === table);
      const grew = before && !restarted ? recordsWritten > before.recordsWritten : recordsWritten > 0;
      return {
        table,
        recordsWritten,
        lastWriteAt: grew ? readAt : (before?.lastWriteAt ?? null),
        writeRate: rate(recordsWritten, base?.sinks.find((s) => s.table === table)?.recordsWritten),
      };
    }),
    ...jobLevel(raw.job),
    busiest,
  };
}

function jobLevel(job: Record<string, number>) {
  const id = job.lastCompletedCheckpointId;
  const completedAt = job.lastCheckpointCompletedTimestamp;
  const checkpoint: CheckpointFlow | null =
    id !== undefined && id >= 0 && completedAt !== undefined && completedAt > 0
      ? {
          id,
          completedAt,
          durationMs: job.lastCheckpointDuration ?? null,
          sizeBytes: job.lastCheckpointSize ?? null,
        }
      : null;
  return {
    checkpoint,
    checkpointsCompleted: job.numberOfCompletedCheckpoints ?? 0,
    checkpointFailures: job.numberOfFailedCheckpoints ?? 0,
    restarts: job.numRestarts ?? 0,
  };
}

function add(tables: Tables, table: string, metric: string, value: AggregatedValue): void {
  const metrics = tables.get(table) ?? new Map<string, AggregatedValue>();
  const had = metrics.get(metric);
  metrics.set(
    metric,
    had
      ? {
          sum: (had.sum ?? 0) + (value.sum ?? 0),
          max: Math.max(had.max ?? -Infinity, value.max ?? -Infinity),
          min: Math.min(had.min ?? Infinity, value.min ?? Infinity),
        }
      : value,
  );
  tables.set(table, metrics);
}

function busier(
  current: FlowSnapshot["busiest"],
  vertex: string,
  metrics: Record<string, AggregatedValue>,
): FlowSnapshot["busiest"] {
  const busy = metrics.busyTimeMsPerSecond?.max;
  if (busy === undefined || !Number.isFinite(busy)) return current;
  const backPressured = metrics.backPressuredTimeMsPerSecond?.max ?? 0;
  const candidate = { vertex, busyRatio: busy / 1000, backPressuredRatio: backPressured / 1000 };
  if (!current) return candidate;
  const score = (b: NonNullable<FlowSnapshot["busiest"]>) => Math.max(b.busyRatio, b.backPressuredRatio);
  return score(candidate) > score(current) ? candidate : current;
}

function watermarkLag(watermark: number | undefined, readAt: number): number | null {
  if (watermark === undefined || !Number.isFinite(watermark) || watermark <= NO_WATERMARK || watermark <= 0)
    return null;
  return Math.max(0, readAt - watermark);
}

function nonZero(n: number | undefined): number | null {
  return n === undefined || n === 0 ? null : n;
}

/** The newest snapshot at least {@link RATE_SPAN_MS} before `now`, else the oldest one. */
export function rateBaseOf(history: readonly FlowSnapshot[], now: number): FlowSnapshot | undefined {
  let found: FlowSnapshot | undefined;
  for (const s of history) if (s.readAt <= now - RATE_SPAN_MS) found = s;
  return found ?? history[0];
}
