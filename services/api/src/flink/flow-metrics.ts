import type { FlinkRestClient } from "@sluice/flink-client";
import type { AggregatedValue, FlowMetricsQuery, RawFlowMetrics } from "./port.ts";

/** How long the list of a vertex's metric ids is reused (operators register some metrics late). */
const ID_LIST_TTL_MS = 60_000;

/**
 * Reads the flow metrics of one job over the Flink REST API: the job (its vertices), its
 * job-level metrics, and per vertex the wanted subtask metrics aggregated over subtasks. The
 * ids of each vertex's metrics are listed at most once a minute, so a read costs 2 + one call
 * per vertex.
 */
export class FlowMetricsReader {
  private readonly ids = new Map<string, { at: number; ids: string[] }>();

  private readonly rest: FlinkRestClient;
  private readonly now: () => number;

  constructor(rest: FlinkRestClient, now: () => number = Date.now) {
    this.rest = rest;
    this.now = now;
  }

  async read(jobId: string, query: FlowMetricsQuery): Promise<RawFlowMetrics> {
    const [details, job] = await Promise.all([
      this.rest.getJob(jobId),
      this.rest.jobMetrics(jobId, query.jobMetrics),
    ]);
    const vertices = await Promise.all(
      details.vertices.map(async (v) => {
        const wanted = (await this.vertexIds(jobId, v.id)).filter((id) => query.vertexMetric.test(id));
        const values = await this.rest.vertexMetrics(jobId, v.id, wanted);
        const metrics: Record<string, AggregatedValue> = {};
        for (const m of values) metrics[m.id] = { sum: m.sum, max: m.max, min: m.min };
        return { id: v.id, name: v.name, metrics };
      }),
    );
    this.forgetOthers(jobId, new Set(details.vertices.map((v) => v.id)));
    return { job, vertices };
  }

  private async vertexIds(jobId: string, vertexId: string): Promise<string[]> {
    const key = `${jobId}/${vertexId}`;
    const cached = this.ids.get(key);
    if (cached && this.now() - cached.at < ID_LIST_TTL_MS) return cached.ids;
    const ids = await this.rest.vertexMetricIds(jobId, vertexId);
    this.ids.set(key, { at: this.now(), ids });
    return ids;
  }

  /** Drops cached id lists of other jobs' vertices once they are old (the cache stays small). */
  private forgetOthers(jobId: string, vertices: Set<string>): void {
    for (const [key, entry] of this.ids) {
      const [job, vertex] = key.split("/");
      const stale = this.now() - entry.at >= ID_LIST_TTL_MS;
      if ((job === jobId && !vertices.has(vertex ?? "")) || (job !== jobId && stale)) this.ids.delete(key);
    }
  }
}
