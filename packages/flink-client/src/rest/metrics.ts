import { z } from "zod";
import { type HttpTransport, isOk, parseResponse, segment } from "../http.ts";
import { jobError } from "./job-errors.ts";

/** `GET .../metrics` without `get=`: the ids of the metrics available. */
const MetricIds = z.array(z.object({ id: z.string() }));

/** `GET /jobs/:id/metrics?get=a,b`: values as strings (absent while Flink has none). */
const JobMetricValues = z.array(z.object({ id: z.string(), value: z.string().optional() }));

/** A number, or the string Flink sends for a gauge with no value yet (`"NaN"`): then `undefined`. */
const metricNumber = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v) => {
    const n = Number(v);
    return v === undefined || !Number.isFinite(n) ? undefined : n;
  });

/** `GET /jobs/:id/vertices/:vid/subtasks/metrics?get=a,b&agg=sum,max,min`: aggregated over subtasks. */
const AggregatedMetricValues = z.array(
  z.object({ id: z.string(), sum: metricNumber, max: metricNumber, min: metricNumber, avg: metricNumber }),
);

/** A metric aggregated over a vertex's subtasks. */
export type AggregatedMetric = z.infer<typeof AggregatedMetricValues>[number];

/** Job-level metrics (e.g. `numRestarts`, `lastCheckpointDuration`), as numbers; ids Flink does not know are left out. */
export async function getJobMetrics(
  http: HttpTransport,
  jobId: string,
  ids: readonly string[],
): Promise<Record<string, number>> {
  const what = `Reading the metrics of job ${jobId}`;
  const response = await http.send({
    method: "GET",
    path: `/jobs/${segment(jobId)}/metrics`,
    query: { get: ids.join(",") },
  });
  if (!isOk(response)) throw jobError(http, response, what);
  const values: Record<string, number> = {};
  for (const m of parseResponse(http, response, JobMetricValues, what)) {
    const n = Number(m.value);
    if (m.value !== undefined && Number.isFinite(n)) values[m.id] = n;
  }
  return values;
}

/** The ids of the metrics of a vertex's subtasks (operator-scoped ones are `<operator>.<metric>`). */
export async function listVertexMetrics(
  http: HttpTransport,
  jobId: string,
  vertexId: string,
): Promise<string[]> {
  const what = `Listing the metrics of vertex ${vertexId} of job ${jobId}`;
  const response = await http.send({
    method: "GET",
    path: `/jobs/${segment(jobId)}/vertices/${segment(vertexId)}/subtasks/metrics`,
  });
  if (!isOk(response)) throw jobError(http, response, what);
  return parseResponse(http, response, MetricIds, what).map((m) => m.id);
}

/** Metrics of a vertex aggregated over its subtasks (`sum`, `max`, `min`). */
export async function getVertexMetrics(
  http: HttpTransport,
  jobId: string,
  vertexId: string,
  ids: readonly string[],
): Promise<AggregatedMetric[]> {
  if (ids.length === 0) return [];
  const what = `Reading the metrics of vertex ${vertexId} of job ${jobId}`;
  const response = await http.send({
    method: "GET",
    path: `/jobs/${segment(jobId)}/vertices/${segment(vertexId)}/subtasks/metrics`,
    query: { get: ids.join(","), agg: "sum,max,min" },
  });
  if (!isOk(response)) throw jobError(http, response, what);
  return parseResponse(http, response, AggregatedMetricValues, what);
}
