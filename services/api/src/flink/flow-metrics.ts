import type { FlinkRestClient } from "@sluice/flink-client";
import type { AggregatedValue, FlowMetricsQuery, RawFlowMetrics } from "./port.ts";

/**
 * Reads the flow metrics of one job over the Flink REST API: the job (its vertices and their
 * names), its job-level metrics, and per vertex the metric ids the query names for it,
 * aggregated over subtasks. A read is 2 + one call per vertex.
 */
export async function readFlowMetrics(
  rest: FlinkRestClient,
  jobId: string,
  query: FlowMetricsQuery,
): Promise<RawFlowMetrics> {
  const [details, job] = await Promise.all([rest.getJob(jobId), rest.jobMetrics(jobId, query.jobMetrics)]);
  const vertices = await Promise.all(
    details.vertices.map(async (v) => {
      const values = await rest.vertexMetrics(jobId, v.id, query.vertexMetrics(v.name));
      const metrics: Record<string, AggregatedValue> = {};
      for (const m of values) metrics[m.id] = { sum: m.sum, max: m.max, min: m.min };
      return { id: v.id, name: v.name, metrics };
    }),
  );
  return { job, vertices };
}
