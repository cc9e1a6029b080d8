import type { FlinkRestClient } from "@sluice/flink-client";
import type { AggregatedValue, FlowMetricsQuery, RawFlowMetrics } from "./port.ts";

/** The part of the Flink REST client a flow read uses. */
export type FlowMetricsRest = Pick<
  FlinkRestClient,
  "getJob" | "jobMetrics" | "vertexMetrics" | "vertexMetricIds"
>;

/**
 * Reads the flow metrics of one job over the Flink REST API: the job (its vertices and their
 * names), its job-level metrics, and per vertex the metric ids the query names for it,
 * aggregated over subtasks. A read is 2 + one call per vertex (+ 2 for a vertex that lacks one
 * of the ids, see {@link vertexValues}).
 */
export async function readFlowMetrics(
  rest: FlowMetricsRest,
  jobId: string,
  query: FlowMetricsQuery,
): Promise<RawFlowMetrics> {
  const [details, job] = await Promise.all([rest.getJob(jobId), rest.jobMetrics(jobId, query.jobMetrics)]);
  const vertices = await Promise.all(
    details.vertices.map(async (v) => {
      const values = await vertexValues(rest, jobId, v.id, query.vertexMetrics(v.name));
      const metrics: Record<string, AggregatedValue> = {};
      for (const m of values) metrics[m.id] = { sum: m.sum, max: m.max, min: m.min };
      return { id: v.id, name: v.name, metrics };
    }),
  );
  return { job, vertices };
}

/**
 * The values of the ids a vertex has. Flink 2.2 answers nothing at all when one of the ids asked
 * for is unknown to the vertex (a file source has no Kafka `pendingRecords`, and an operator may
 * register a metric late), so an empty answer is asked again with the ids the vertex lists.
 */
async function vertexValues(rest: FlowMetricsRest, jobId: string, vertexId: string, ids: string[]) {
  const values = await rest.vertexMetrics(jobId, vertexId, ids);
  if (values.length > 0 || ids.length === 0) return values;
  const known = new Set(await rest.vertexMetricIds(jobId, vertexId));
  const present = ids.filter((id) => known.has(id));
  return present.length === 0 ? [] : rest.vertexMetrics(jobId, vertexId, present);
}
