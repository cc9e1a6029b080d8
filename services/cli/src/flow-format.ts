import type { Condition, Flow, Job } from "@sluice/api-client";
import { table } from "./format.ts";

/**
 * Flow and conditions as the CLI shows them (`sluice get`, `sluice top`). Pure: API documents
 * in, text out.
 */

/** `1234` -> `1.2k`; null -> `-`. */
export function compact(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Milliseconds as `850ms`, `12s`, `4m`, `3h`; null -> `-`. */
export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}

/** The conditions that are not True, as `Type=Status(Reason)`; `ok` when all are True; `-` when none. */
export function conditionSummary(conditions: readonly Condition[]): string {
  if (conditions.length === 0) return "-";
  const off = conditions.filter((c) => c.status !== "True");
  return off.length === 0 ? "ok" : off.map((c) => `${c.type}=${c.status}(${c.reason})`).join(" ");
}

/** The lines `sluice get` adds for the conditions and the flow. */
export function flowLines(
  job: Pick<Job, "conditions" | "flow"> & Partial<Pick<Job, "flowThresholds">>,
): string[] {
  const lines: string[] = [];
  if (job.conditions.length > 0) {
    lines.push("", "Conditions:");
    lines.push(
      indent(
        table(
          ["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"],
          job.conditions.map((c) => [c.type, c.status, c.reason, c.since, c.message]),
        ),
      ),
    );
  }
  if (job.flowThresholds) lines.push(`  Judged by: ${thresholdsText(job.flowThresholds)}`);
  const flow = job.flow;
  if (!flow) return lines;
  lines.push("", `Flow (read ${flow.readAt}, ${age(flow.ageMs)} ago):`);
  lines.push(indent(flowTable(flow)));
  const cp = flow.checkpoint;
  lines.push(
    `  Checkpoint: ${cp ? `#${cp.id} ${age(cp.ageMs)} ago, took ${age(cp.durationMs)}, ${compact(cp.sizeBytes)} bytes` : "none yet"}` +
      `; failed checkpoints ${flow.checkpointFailures}; restarts ${flow.restarts}`,
  );
  if (flow.busiest) {
    const b = flow.busiest;
    lines.push(
      `  Busiest task: ${percent(b.busyRatio)} busy, ${percent(b.backPressuredRatio)} back-pressured (${b.vertex})`,
    );
  }
  return lines;
}

/** The thresholds a job's conditions are judged by, e.g. `no output 10s (job), lag 1000 records, ...`. */
export function thresholdsText(t: Job["flowThresholds"]): string {
  const own = (name: Job["flowThresholds"]["fromSpec"][number]) =>
    t.fromSpec.includes(name) ? " (job)" : "";
  return [
    `no output ${age(t.noOutputMs)}${own("noOutputMs")}`,
    `lag ${compact(t.maxLagRecords)} records${own("maxLagRecords")}`,
    `checkpoint age ${age(t.checkpointMaxAgeMs)}${own("checkpointMaxAgeMs")}`,
    `dead letters in ${age(t.deadLetterWindowMs)}${own("deadLetterWindowMs")}`,
  ].join(", ");
}

function flowTable(flow: Flow): string {
  const rows = [
    ...flow.sources.map((s) => [
      "source",
      s.table,
      compact(s.recordsRead),
      compact(s.readRate),
      compact(s.lag),
      compact(s.deadLettered + s.errors),
      age(s.watermarkLagMs),
    ]),
    ...flow.sinks.map((s) => [
      "sink",
      s.table,
      compact(s.recordsWritten),
      compact(s.writeRate),
      "-",
      "-",
      s.lastWriteAt ? `last write ${s.lastWriteAt}` : "no write seen",
    ]),
  ];
  return table(["", "TABLE", "RECORDS", "PER S", "LAG", "DEAD", "WATERMARK LAG / LAST WRITE"], rows);
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
