import { z } from "zod";
import { type HttpTransport, isOk, parseResponse, segment } from "../http.ts";
import { jobError } from "./job-errors.ts";

const CheckpointSummary = z.object({
  id: z.number(),
  status: z.string().optional(),
  is_savepoint: z.boolean().optional(),
  external_path: z.string().nullish(),
  latest_ack_timestamp: z.number().optional(),
});
export type CheckpointSummary = z.infer<typeof CheckpointSummary>;

/** `GET /jobs/:id/checkpoints`: counts, and the latest completed checkpoint and savepoint. */
export const CheckpointStatistics = z.object({
  counts: z.looseObject({ completed: z.number(), failed: z.number(), in_progress: z.number() }),
  latest: z.object({
    completed: CheckpointSummary.nullish(),
    savepoint: CheckpointSummary.nullish(),
  }),
});
export type CheckpointStatistics = z.infer<typeof CheckpointStatistics>;

export async function getCheckpointStatistics(
  http: HttpTransport,
  jobId: string,
): Promise<CheckpointStatistics> {
  const response = await http.send({ method: "GET", path: `/jobs/${segment(jobId)}/checkpoints` });
  if (!isOk(response)) throw jobError(http, response, `Reading the checkpoints of job ${jobId}`);
  return parseResponse(http, response, CheckpointStatistics, `Reading the checkpoints of job ${jobId}`);
}
