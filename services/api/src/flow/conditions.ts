import type { FlowSnapshot } from "./snapshot.ts";

/** The condition types, like Kubernetes conditions: each is True, False or Unknown with a reason. */
export const CONDITION_TYPES = ["DataFlowing", "CheckpointsHealthy", "NoDeadLetters", "CaughtUp"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = "True" | "False" | "Unknown";

export interface ConditionState {
  type: ConditionType;
  status: ConditionStatus;
  /** A CamelCase word, stable for machines (e.g. `NoOutput`). */
  reason: string;
  message: string;
}

export interface Condition extends ConditionState {
  /** When the status last changed (epoch ms). */
  since: number;
}

export interface FlowThresholds {
  /** Input read but nothing written for this long: DataFlowing False. */
  noOutputMs: number;
  /** No checkpoint completed for this long (or failures without a completion in it): CheckpointsHealthy False. */
  checkpointMaxAgeMs: number;
  /** A dead letter in this window: NoDeadLetters False. */
  deadLetterWindowMs: number;
  /** More records behind the end of the input than this: CaughtUp False. */
  maxLagRecords: number;
}

export const DEFAULT_THRESHOLDS: FlowThresholds = {
  noOutputMs: 60_000,
  checkpointMaxAgeMs: 600_000,
  deadLetterWindowMs: 300_000,
  maxLagRecords: 1_000,
};

/**
 * The conditions of a job from its flow history (snapshots of its current Flink job, oldest
 * first, the newest last). Pure: the same history gives the same conditions.
 */
export function conditions(history: readonly FlowSnapshot[], thresholds: FlowThresholds): ConditionState[] {
  const latest = history.at(-1);
  if (!latest) return CONDITION_TYPES.map((type) => unknown(type, "NoMetrics", "no flow metrics read yet"));
  return [
    dataFlowing(history, latest, thresholds),
    checkpointsHealthy(history, latest, thresholds),
    noDeadLetters(history, latest, thresholds),
    caughtUp(latest, thresholds),
  ];
}

/** Every condition Unknown with one reason (e.g. when the metrics are too old to judge). */
export function allUnknown(reason: string, message: string): ConditionState[] {
  return CONDITION_TYPES.map((type) => unknown(type, reason, message));
}

/**
 * Since-times carried over: a condition keeps its `since` while its status stays the same.
 * Returns the conditions and the ones that changed (status or reason), for the event log.
 */
export function transition(
  previous: readonly Condition[],
  next: readonly ConditionState[],
  now: number,
): { conditions: Condition[]; changed: Array<{ from: Condition | undefined; to: Condition }> } {
  const changed: Array<{ from: Condition | undefined; to: Condition }> = [];
  const out = next.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    const to = { ...c, since: before && before.status === c.status ? before.since : now };
    if (!before || before.status !== c.status || before.reason !== c.reason)
      changed.push({ from: before, to });
    return to;
  });
  return { conditions: out, changed };
}

function dataFlowing(
  history: readonly FlowSnapshot[],
  latest: FlowSnapshot,
  t: FlowThresholds,
): ConditionState {
  const type = "DataFlowing";
  const window = seconds(t.noOutputMs);
  if (latest.sources.length === 0)
    return unknown(type, "NoTableMetrics", "Flink reports no per-table record counts for this job");
  // Kafka, upsert-kafka, blackhole, print, JDBC and a job's one filesystem sink report a count (0
  // too); a sink Flink does not name by table (two filesystem sinks in a job) does not: say so.
  if (latest.sinks.length === 0)
    return unknown(type, "NoSinkMetrics", "Flink reports no record count for this job's sinks");
  const since = latest.readAt - t.noOutputMs;
  const writing = latest.sinks.filter((s) => s.lastWriteAt !== null && s.lastWriteAt >= since);
  if (writing.length > 0)
    return ok(
      type,
      "Writing",
      `records written in the last ${window}: ${writing.map((s) => s.table).join(", ")}`,
    );
  const base = baseline(history, since);
  if (!base) return unknown(type, "Observing", `no output yet; judged after ${window} of metrics`);
  const read = total(latest, "recordsRead") - total(base, "recordsRead");
  const waiting = latest.sources.reduce((sum, s) => sum + (s.lag ?? 0), 0);
  if (read <= 0 && waiting > 0)
    return bad(
      type,
      "Stalled",
      `${waiting} records wait in the input; none read or written in the last ${window}`,
    );
  if (read <= 0) return unknown(type, "NoInput", `no input and no output in the last ${window}`);
  const dead = deadLettered(latest) - deadLettered(base);
  const sinks = latest.sinks.map((s) => s.table).join(", ");
  const deadNote = dead > 0 ? `; ${dead} dead-lettered` : "";
  return {
    type,
    status: "False",
    reason: "NoOutput",
    message: `${read} records read in the last ${window}, none written to ${sinks}${deadNote}`,
  };
}

function checkpointsHealthy(
  history: readonly FlowSnapshot[],
  latest: FlowSnapshot,
  t: FlowThresholds,
): ConditionState {
  const type = "CheckpointsHealthy";
  const window = seconds(t.checkpointMaxAgeMs);
  const base = baseline(history, latest.readAt - t.checkpointMaxAgeMs) ?? history[0] ?? latest;
  const failed = latest.checkpointFailures - base.checkpointFailures;
  const completed = latest.checkpointsCompleted - base.checkpointsCompleted;
  const cp = latest.checkpoint;
  if (failed > 0 && completed === 0)
    return bad(
      type,
      "CheckpointsFailing",
      `${failed} checkpoints failed and none completed in the last ${window}`,
    );
  if (!cp) {
    const observedFor = latest.readAt - (history[0]?.readAt ?? latest.readAt);
    return observedFor >= t.checkpointMaxAgeMs
      ? bad(type, "NoCheckpoint", `no checkpoint completed in ${window}`)
      : unknown(type, "NoCheckpointYet", "no checkpoint completed yet");
  }
  const age = latest.readAt - cp.completedAt;
  if (age > t.checkpointMaxAgeMs)
    return bad(
      type,
      "CheckpointTooOld",
      `last checkpoint ${cp.id} completed ${seconds(age)} ago (bound ${window})`,
    );
  const took = cp.durationMs === null ? "" : `, took ${cp.durationMs} ms`;
  return ok(type, "Completing", `checkpoint ${cp.id} completed ${seconds(age)} ago${took}`);
}

function noDeadLetters(
  history: readonly FlowSnapshot[],
  latest: FlowSnapshot,
  t: FlowThresholds,
): ConditionState {
  const type = "NoDeadLetters";
  const all = deadLettered(latest);
  if (all === 0) return ok(type, "None", "no record was dead-lettered or counted as an error");
  const window = seconds(t.deadLetterWindowMs);
  const base = baseline(history, latest.readAt - t.deadLetterWindowMs) ?? history[0] ?? latest;
  const recent = all - deadLettered(base);
  const recentOrFirst = recent > 0 || history.length === 1;
  if (!recentOrFirst) return ok(type, "NoneRecent", `none in the last ${window} (${all} in all)`);
  const per = latest.sources
    .filter((s) => s.deadLettered + s.errors > 0)
    .map((s) => `${s.table} ${s.deadLettered + s.errors}`)
    .join(", ");
  return bad(
    type,
    "DeadLetters",
    `${recent > 0 ? recent : all} records dead-lettered recently (${all} in all: ${per})`,
  );
}

function caughtUp(latest: FlowSnapshot, t: FlowThresholds): ConditionState {
  const type = "CaughtUp";
  const known = latest.sources.filter((s) => s.lag !== null);
  if (known.length === 0) return unknown(type, "NoLagMetric", "no source reports how far behind it is");
  const lag = known.reduce((sum, s) => sum + (s.lag ?? 0), 0);
  if (lag <= t.maxLagRecords) return ok(type, "CaughtUp", `${lag} records behind (bound ${t.maxLagRecords})`);
  const per = known.map((s) => `${s.table} ${s.lag}`).join(", ");
  return bad(type, "Lagging", `${lag} records behind (bound ${t.maxLagRecords}): ${per}`);
}

/** The newest snapshot taken at or before `at`; undefined when the history is shorter. */
function baseline(history: readonly FlowSnapshot[], at: number): FlowSnapshot | undefined {
  let found: FlowSnapshot | undefined;
  for (const s of history) if (s.readAt <= at) found = s;
  return found;
}

function total(s: FlowSnapshot, field: "recordsRead"): number {
  return s.sources.reduce((sum, src) => sum + src[field], 0);
}

function deadLettered(s: FlowSnapshot): number {
  return s.sources.reduce((sum, src) => sum + src.deadLettered + src.errors, 0);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

const ok = (type: ConditionType, reason: string, message: string): ConditionState => ({
  type,
  status: "True",
  reason,
  message,
});
const bad = (type: ConditionType, reason: string, message: string): ConditionState => ({
  type,
  status: "False",
  reason,
  message,
});
const unknown = (type: ConditionType, reason: string, message: string): ConditionState => ({
  type,
  status: "Unknown",
  reason,
  message,
});
