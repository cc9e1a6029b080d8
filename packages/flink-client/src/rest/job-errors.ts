import type { FlinkClientError } from "../errors.ts";
import { flinkErrorsOf, type HttpResponse, type HttpTransport, httpError } from "../http.ts";

/**
 * Flink answers 404 for an unknown job id, and 400 "Cannot resolve path
 * parameter (jobid)" for a string that is not a job id at all; to a caller
 * both mean there is no such job.
 */
export function jobError(http: HttpTransport, response: HttpResponse, what: string): FlinkClientError {
  const malformedId =
    response.status === 400 && flinkErrorsOf(response.body).some((e) => e.includes("path parameter (jobid)"));
  return httpError(
    http,
    response,
    what,
    response.status === 404 || malformedId ? "JOB_NOT_FOUND" : undefined,
  );
}
