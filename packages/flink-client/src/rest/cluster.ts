import { z } from "zod";
import { type HttpTransport, parseResponse } from "../http.ts";

/** `GET /overview`: slots, task managers and job counts of the session cluster. */
export const ClusterOverview = z.object({
  taskmanagers: z.number(),
  "slots-total": z.number(),
  "slots-available": z.number(),
  "jobs-running": z.number(),
  "jobs-finished": z.number(),
  "jobs-cancelled": z.number(),
  "jobs-failed": z.number(),
  "flink-version": z.string(),
  "flink-commit": z.string().optional(),
});
export type ClusterOverview = z.infer<typeof ClusterOverview>;

export async function getClusterOverview(http: HttpTransport): Promise<ClusterOverview> {
  const response = await http.send({ method: "GET", path: "/overview" });
  return parseResponse(http, response, ClusterOverview, "Reading the cluster overview");
}

/** One entry of `GET /taskmanagers`. */
export const TaskManager = z.object({
  id: z.string(),
  path: z.string().optional(),
  dataPort: z.number().optional(),
  timeSinceLastHeartbeat: z.number().optional(),
  slotsNumber: z.number(),
  freeSlots: z.number(),
});
export type TaskManager = z.infer<typeof TaskManager>;

export const TaskManagersResponse = z.object({ taskmanagers: z.array(TaskManager) });

export async function listTaskManagers(http: HttpTransport): Promise<TaskManager[]> {
  const response = await http.send({ method: "GET", path: "/taskmanagers" });
  return parseResponse(http, response, TaskManagersResponse, "Listing task managers").taskmanagers;
}
