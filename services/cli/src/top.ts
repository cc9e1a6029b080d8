import type { Job, JobList } from "@sluice/api-client";
import { age, compact, conditionSummary } from "./flow-format.ts";
import { table } from "./format.ts";

/** One row of `sluice top` (also its `--json` shape). */
export interface TopRow {
  name: string;
  state: string;
  inPerSecond: number | null;
  outPerSecond: number | null;
  lag: number | null;
  deadLetters: number | null;
  checkpointAgeMs: number | null;
  conditions: Job["conditions"];
  flowReadAt: string | null;
}

/** Rows from the job list and the details of the running jobs (jobs without details show `-`). */
export function topRows(list: JobList, details: ReadonlyMap<string, Job>): TopRow[] {
  return list.jobs.map((summary) => {
    const flow = details.get(summary.name)?.flow ?? null;
    const sum = (values: Array<number | null>) =>
      values.length === 0 || values.every((v) => v === null)
        ? null
        : values.reduce<number>((a, v) => a + (v ?? 0), 0);
    return {
      name: summary.name,
      state: summary.state,
      inPerSecond: flow ? sum(flow.sources.map((s) => s.readRate)) : null,
      outPerSecond: flow ? sum(flow.sinks.map((s) => s.writeRate)) : null,
      lag: flow ? sum(flow.sources.map((s) => s.lag)) : null,
      deadLetters: flow ? sum(flow.sources.map((s) => s.deadLettered + s.errors)) : null,
      checkpointAgeMs: flow?.checkpoint?.ageMs ?? null,
      conditions: summary.conditions,
      flowReadAt: flow?.readAt ?? null,
    };
  });
}

/**
 * One screen of `sluice top`.
 *
 * @example
 * sluice top  2026-01-01T00:00:05.000Z  (every 2 s, Ctrl-C to quit)
 *
 * JOB               STATE    IN/S   OUT/S  LAG  DEAD  CHECKPOINT  CONDITIONS
 * sensor-anomalies  RUNNING  120.0  3.5    12   0     4s          ok
 */
export function formatTop(rows: readonly TopRow[], header: string): string {
  const body =
    rows.length === 0
      ? "No jobs.\n"
      : table(
          ["JOB", "STATE", "IN/S", "OUT/S", "LAG", "DEAD", "CHECKPOINT", "CONDITIONS"],
          rows.map((r) => [
            r.name,
            r.state,
            compact(r.inPerSecond),
            compact(r.outPerSecond),
            compact(r.lag),
            compact(r.deadLetters),
            age(r.checkpointAgeMs),
            conditionSummary(r.conditions),
          ]),
        );
  return `${header}\n\n${body}`;
}
