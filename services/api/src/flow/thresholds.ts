import { FLOW_THRESHOLD_NAMES } from "@sluice/flink-jobs";
import type { FlowThresholds } from "./conditions.ts";

/** A job's effective thresholds and which of them its spec set (the rest are the API's defaults). */
export interface JobThresholds {
  thresholds: FlowThresholds;
  fromSpec: Array<keyof FlowThresholds>;
}

/**
 * The thresholds a job's conditions are judged by: its spec's `flow` section over the API's
 * defaults (`SLUICE_FLOW_*`). Pure; the spec was validated when stored, anything else is ignored.
 *
 * @example
 * jobThresholds(DEFAULT_THRESHOLDS, { name: "j", flow: { noOutputMs: 10_000 } })
 * // { thresholds: { ...DEFAULT_THRESHOLDS, noOutputMs: 10_000 }, fromSpec: ["noOutputMs"] }
 */
export function jobThresholds(defaults: FlowThresholds, spec: unknown): JobThresholds {
  const flow = isRecord(spec) && isRecord(spec.flow) ? spec.flow : {};
  const thresholds = { ...defaults };
  const fromSpec: Array<keyof FlowThresholds> = [];
  for (const name of FLOW_THRESHOLD_NAMES) {
    const value = flow[name];
    if (typeof value === "number" && Number.isFinite(value)) {
      thresholds[name] = value;
      fromSpec.push(name);
    }
  }
  return { thresholds, fromSpec };
}

/** How long a job's flow history must reach back: one snapshot older than its longest window. */
export function historyWindowMs(t: FlowThresholds): number {
  return Math.max(t.noOutputMs, t.checkpointMaxAgeMs, t.deadLetterWindowMs);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
