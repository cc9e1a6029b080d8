import type { Job } from "@sluice/api-client";
import type { JobSummary, SluiceApi } from "./api.ts";
import type { JobView } from "./summary.ts";

/** The flow of a job as the demo's panel shows it (from GET /v1/jobs/{name}: no Flink call). */
export interface FlowView {
  inPerSecond: number | null;
  outPerSecond: number | null;
  lag: number | null;
  deadLetters: number;
  /** The conditions that are not True, e.g. `DataFlowing=False(NoOutput)`. */
  problems: string[];
}

/** The flow view of a job; undefined when the API has no fresh flow for it. */
export function flowView(job: Pick<Job, "flow" | "conditions">): FlowView | undefined {
  const flow = job.flow;
  if (!flow) return undefined;
  const sum = (values: Array<number | null>) =>
    values.every((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
  return {
    inPerSecond: sum(flow.sources.map((s) => s.readRate)),
    outPerSecond: sum(flow.sinks.map((s) => s.writeRate)),
    lag: sum(flow.sources.map((s) => s.lag)),
    deadLetters: flow.sources.reduce((a, s) => a + s.deadLettered + s.errors, 0),
    problems: job.conditions
      .filter((c) => c.status !== "True")
      .map((c) => `${c.type}=${c.status}(${c.reason})`),
  };
}

/** One line of the panel, e.g. `in 120/s  out 3/s  lag 12  dead letters 0  ok`. */
export function flowText(view: FlowView | undefined): string {
  if (!view) return "flow: -";
  const rate = (n: number | null) => (n === null ? "-" : `${n < 10 ? n.toFixed(1) : Math.round(n)}/s`);
  const conditions = view.problems.length === 0 ? "ok" : view.problems.join(" ");
  return `in ${rate(view.inPerSecond)}  out ${rate(view.outPerSecond)}  lag ${view.lag ?? "-"}  dead letters ${view.deadLetters}  ${conditions}`;
}

/** The demo's jobs, each running one with its flow (the API serves it from its last read of Flink). */
export async function jobViews(api: SluiceApi, jobs: JobSummary[], names: string[]): Promise<JobView[]> {
  const views: JobView[] = [];
  for (const j of jobs.filter((job) => names.includes(job.name))) {
    const flow = j.state === "RUNNING" ? flowView(await api.getJob(j.name)) : undefined;
    views.push({ name: j.name, state: j.state, flinkState: j.flinkState, reason: j.reason, flow });
  }
  return views;
}
