import { z } from "zod";
import { FlinkClientError } from "../errors.ts";
import { type HttpTransport, httpError, isOk, parseResponse, segment } from "../http.ts";
import { jobError } from "./job-errors.ts";

/** Savepoint format: CANONICAL is portable across state backends, NATIVE is faster to take and restore. */
export type SavepointFormat = "CANONICAL" | "NATIVE";

/** Answer of both trigger endpoints: `{"request-id": "<trigger id>"}`. */
export const TriggerResponse = z.object({ "request-id": z.string().min(1) });

export interface StopWithSavepointRequest {
  /** Where to write the savepoint; absent: the cluster's `execution.checkpointing.savepoint-dir`. */
  targetDirectory?: string;
  /** Emit MAX_WATERMARK first, flushing event-time windows (for a final stop, not for an upgrade). */
  drain: boolean;
  formatType?: SavepointFormat;
}

/** `POST /jobs/:id/stop`: takes a savepoint, then finishes the job; returns the trigger id. */
export async function stopWithSavepoint(
  http: HttpTransport,
  jobId: string,
  request: StopWithSavepointRequest,
): Promise<string> {
  const response = await http.send({
    method: "POST",
    path: `/jobs/${segment(jobId)}/stop`,
    body: { targetDirectory: request.targetDirectory, drain: request.drain, formatType: request.formatType },
  });
  if (!isOk(response)) throw jobError(http, response, `Stopping job ${jobId} with a savepoint`);
  return parseResponse(http, response, TriggerResponse, `Stopping job ${jobId} with a savepoint`)[
    "request-id"
  ];
}

export interface TriggerSavepointRequest {
  targetDirectory?: string;
  /** Deprecated in Flink in favour of stop; kept for completeness. */
  cancelJob?: boolean;
  formatType?: SavepointFormat;
}

/** `POST /jobs/:id/savepoints`: takes a savepoint and keeps the job running; returns the trigger id. */
export async function triggerSavepoint(
  http: HttpTransport,
  jobId: string,
  request: TriggerSavepointRequest = {},
): Promise<string> {
  const response = await http.send({
    method: "POST",
    path: `/jobs/${segment(jobId)}/savepoints`,
    // This endpoint spells its fields in kebab case, unlike /stop.
    body: {
      "target-directory": request.targetDirectory,
      "cancel-job": request.cancelJob ?? false,
      formatType: request.formatType,
    },
  });
  if (!isOk(response)) throw jobError(http, response, `Triggering a savepoint of job ${jobId}`);
  return parseResponse(http, response, TriggerResponse, `Triggering a savepoint of job ${jobId}`)[
    "request-id"
  ];
}

/**
 * `GET /jobs/:id/savepoints/:triggerId`: `IN_PROGRESS`, then `COMPLETED` with
 * either `operation.location` (the savepoint path, `file:/...`) or
 * `operation.failure-cause` (a serialized Java exception).
 */
export const SavepointStatusResponse = z.object({
  status: z.object({ id: z.enum(["IN_PROGRESS", "COMPLETED"]) }),
  operation: z
    .object({
      location: z.string().nullish(),
      "failure-cause": z
        .object({ class: z.string().nullish(), "stack-trace": z.string().nullish() })
        .nullish(),
    })
    .nullish(),
});

export type SavepointStatus =
  | { state: "IN_PROGRESS" }
  | { state: "COMPLETED"; location: string }
  | { state: "FAILED"; failure: FlinkClientError };

export async function getSavepointStatus(
  http: HttpTransport,
  jobId: string,
  triggerId: string,
): Promise<SavepointStatus> {
  const what = `Reading savepoint ${triggerId} of job ${jobId}`;
  const response = await http.send({
    method: "GET",
    path: `/jobs/${segment(jobId)}/savepoints/${segment(triggerId)}`,
  });
  // A 404 here means Flink no longer knows the trigger (expired from its cache, or the job is gone).
  if (response.status === 404) throw httpError(http, response, what, "SAVEPOINT_FAILED");
  if (!isOk(response)) throw httpError(http, response, what);
  const body = parseResponse(http, response, SavepointStatusResponse, what);
  if (body.status.id === "IN_PROGRESS") return { state: "IN_PROGRESS" };
  const location = body.operation?.location;
  if (location) return { state: "COMPLETED", location };
  const cause = body.operation?.["failure-cause"];
  const trace = http.redact(cause?.["stack-trace"] ?? cause?.class ?? "no failure cause reported");
  const flinkMessage = extractSavepointFailure(trace);
  return {
    state: "FAILED",
    failure: new FlinkClientError("SAVEPOINT_FAILED", `Savepoint of job ${jobId} failed: ${flinkMessage}`, {
      status: response.status,
      flinkMessage,
      flinkErrors: [trace],
      url: response.url,
      // Triggered while tasks were still deploying: the same request succeeds a moment later.
      retryable: /Not all required tasks are currently running/.test(trace),
    }),
  };
}

function extractSavepointFailure(trace: string): string {
  const causes = trace
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("at ") && !line.startsWith("..."));
  const last = causes.filter((line) => line.startsWith("Caused by:")).at(-1) ?? causes[0] ?? trace;
  return last.replace(/^Caused by: /, "").replace(/^[\w$.]+(?:Exception|Error): /, "");
}
