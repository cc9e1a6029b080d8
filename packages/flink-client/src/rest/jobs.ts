import { z } from "zod";
import { type HttpTransport, httpError, isOk, parseResponse, segment } from "../http.ts";
import { jobError } from "./job-errors.ts";

/** Job states of the Flink REST API (`JobStatus`); unknown future states still parse. */
export const KNOWN_JOB_STATES = [
  "INITIALIZING",
  "CREATED",
  "RUNNING",
  "FAILING",
  "FAILED",
  "CANCELLING",
  "CANCELED",
  "FINISHED",
  "RESTARTING",
  "SUSPENDED",
  "RECONCILING",
] as const;
export type JobState = (typeof KNOWN_JOB_STATES)[number] | (string & {});

/** One of {@link KNOWN_JOB_STATES} (what the API's contracts list). */
export type KnownJobState = (typeof KNOWN_JOB_STATES)[number];

/** States after which a job never runs again. */
export const TERMINAL_JOB_STATES: ReadonlySet<string> = new Set<KnownJobState>([
  "FAILED",
  "CANCELED",
  "FINISHED",
]);

/** States in which a job occupies (or will occupy) slots: another submission would be a duplicate. */
export const ACTIVE_JOB_STATES: ReadonlySet<string> = new Set<KnownJobState>([
  "INITIALIZING",
  "CREATED",
  "RUNNING",
  "FAILING",
  "CANCELLING",
  "RESTARTING",
  "RECONCILING",
]);

/** One entry of `GET /jobs/overview`. */
export const JobOverview = z.object({
  jid: z.string(),
  name: z.string(),
  state: z.string(),
  "start-time": z.number(),
  "end-time": z.number(),
  duration: z.number().optional(),
  "last-modification": z.number().optional(),
  /** Tasks per execution state (`running`, `scheduled`, `deploying`, ..., `total`). */
  tasks: z.record(z.string(), z.number()).optional(),
});
export type JobOverview = z.infer<typeof JobOverview>;

export const JobsOverviewResponse = z.object({ jobs: z.array(JobOverview) });

export async function listJobs(http: HttpTransport): Promise<JobOverview[]> {
  const response = await http.send({ method: "GET", path: "/jobs/overview" });
  return parseResponse(http, response, JobsOverviewResponse, "Listing jobs").jobs;
}

/** `GET /jobs/:id`: the job's state and its vertices. */
export const JobDetails = z.object({
  jid: z.string(),
  name: z.string(),
  state: z.string(),
  isStoppable: z.boolean().optional(),
  "start-time": z.number(),
  "end-time": z.number(),
  duration: z.number().optional(),
  vertices: z
    .array(z.object({ id: z.string(), name: z.string(), parallelism: z.number(), status: z.string() }))
    .default([]),
});
export type JobDetails = z.infer<typeof JobDetails>;

export async function getJob(http: HttpTransport, jobId: string): Promise<JobDetails> {
  const response = await http.send({ method: "GET", path: `/jobs/${segment(jobId)}` });
  if (!isOk(response)) throw jobError(http, response, `Reading job ${jobId}`);
  return parseResponse(http, response, JobDetails, `Reading job ${jobId}`);
}

/** `GET /jobs/:id/config`: the job's name (its `pipeline.name`) and execution config. */
export const JobConfig = z.object({
  jid: z.string(),
  name: z.string(),
  "execution-config": z
    .looseObject({
      "job-parallelism": z.number().optional(),
      "user-config": z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type JobConfig = z.infer<typeof JobConfig>;

export async function getJobConfig(http: HttpTransport, jobId: string): Promise<JobConfig> {
  const response = await http.send({ method: "GET", path: `/jobs/${segment(jobId)}/config` });
  if (!isOk(response)) throw jobError(http, response, `Reading the config of job ${jobId}`);
  return parseResponse(http, response, JobConfig, `Reading the config of job ${jobId}`);
}

/** One failure in `GET /jobs/:id/exceptions` (`exceptionHistory.entries`). */
export const JobException = z.object({
  exceptionName: z.string(),
  stacktrace: z.string(),
  timestamp: z.number(),
  taskName: z.string().nullish(),
  endpoint: z.string().nullish(),
  taskManagerId: z.string().nullish(),
});
export type JobException = z.infer<typeof JobException>;

export const JobExceptionsResponse = z.object({
  exceptionHistory: z.object({ entries: z.array(JobException), truncated: z.boolean() }),
});

export async function getJobExceptions(
  http: HttpTransport,
  jobId: string,
  maxExceptions = 10,
): Promise<{ entries: JobException[]; truncated: boolean }> {
  const response = await http.send({
    method: "GET",
    path: `/jobs/${segment(jobId)}/exceptions`,
    query: { maxExceptions: String(maxExceptions) },
  });
  if (!isOk(response)) throw jobError(http, response, `Reading the exceptions of job ${jobId}`);
  return parseResponse(http, response, JobExceptionsResponse, `Reading the exceptions of job ${jobId}`)
    .exceptionHistory;
}

/**
 * `PATCH /jobs/:id?mode=cancel`: cancels without a savepoint (Flink answers
 * 202 and cancels asynchronously; 409 when the job already ended).
 */
export async function cancelJob(http: HttpTransport, jobId: string): Promise<void> {
  const response = await http.send({
    method: "PATCH",
    path: `/jobs/${segment(jobId)}`,
    query: { mode: "cancel" },
  });
  if (response.status === 409) throw httpError(http, response, `Cancelling job ${jobId}`, "JOB_NOT_RUNNING");
  if (!isOk(response)) throw jobError(http, response, `Cancelling job ${jobId}`);
}
