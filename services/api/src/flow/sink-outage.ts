import { outageReason, type SinkOutage } from "../lifecycle/sink-outage.ts";
import { CONDITION_TYPES, type Condition, type ConditionState } from "./conditions.ts";
import type { FlowSnapshot } from "./snapshot.ts";

/** Reason of DataFlowing False while a database the job writes to does not answer. */
export const SINK_UNAVAILABLE = "SinkUnavailable";

/**
 * Whether the job got past the outage: a checkpoint completed after it (the sinks flushed, so the
 * database answered) or one of its tables was written after it.
 */
export function outageOver(outage: SinkOutage, latest: FlowSnapshot | undefined): boolean {
  if (!latest) return false;
  if (latest.checkpoint && latest.checkpoint.completedAt > outage.at) return true;
  return latest.sinks.some(
    (s) => outage.tables.includes(s.table) && s.lastWriteAt !== null && s.lastWriteAt > outage.at,
  );
}

/** The conditions of a running job, with DataFlowing False (SinkUnavailable) until the outage is over. */
export function withSinkOutage(
  conditions: ConditionState[],
  outage: SinkOutage | undefined,
  latest: FlowSnapshot | undefined,
): ConditionState[] {
  if (!outage || outageOver(outage, latest)) return conditions;
  return conditions.map((c) => (c.type === "DataFlowing" ? sinkUnavailable(outage) : c));
}

/**
 * The conditions of a job Flink restarts because of the outage (no metrics are read while it
 * restarts): DataFlowing False (SinkUnavailable), the others as last judged.
 */
export function restartingConditions(previous: readonly Condition[], outage: SinkOutage): ConditionState[] {
  return CONDITION_TYPES.map((type): ConditionState => {
    if (type === "DataFlowing") return sinkUnavailable(outage);
    const before = previous.find((c) => c.type === type);
    if (before) return { type, status: before.status, reason: before.reason, message: before.message };
    return {
      type,
      status: "Unknown",
      reason: "Restarting",
      message: "Flink restarts the job; no metrics read",
    };
  });
}

function sinkUnavailable(outage: SinkOutage): ConditionState {
  return {
    type: "DataFlowing",
    status: "False",
    reason: SINK_UNAVAILABLE,
    message: `nothing can be written: ${outageReason(outage)}`,
  };
}
