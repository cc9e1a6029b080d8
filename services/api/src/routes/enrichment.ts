import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { enrichmentTaskListSchema, problem } from "../schemas.ts";
import { jobSummary } from "./views.ts";

const themeCount = z.object({ theme: z.string(), count: z.number().int() });

/** Enrichment tasks declared by the jobs' current versions, and trending themes. */
export const enrichmentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/enrichment-tasks",
    {
      config: { auth: "read" },
      schema: {
        tags: ["enrichment"],
        summary: "Enrichment tasks of every job's current version, with the job's state",
        description:
          "Sluice publishes these tasks (key = task id) to the compacted task topic the enricher reads, " +
          "before submitting the job; deleting the job removes them.",
        response: { 200: enrichmentTaskListSchema, 401: problem("Missing or invalid token (read auth on)") },
      },
    },
    async () => {
      const observation = await app.observation();
      const tasks = app.store.currentVersions().flatMap((version) => {
        const job = app.store.getJob(version.jobName);
        if (!job) return [];
        const state = jobSummary(app.store, job, observation, app.config.restartLimit).state;
        return version.compiled.enrichmentTasks.map((task) => ({
          job: version.jobName,
          jobState: state,
          task: task as unknown as Record<string, unknown>,
        }));
      });
      return { tasks };
    },
  );

  app.get(
    "/themes/trending",
    {
      config: { auth: "read" },
      schema: {
        tags: ["enrichment"],
        summary: "Trending review themes: running totals and the latest window, highest counts first",
        description:
          "Read from the upsert topics the review-themes job writes (SLUICE_THEMES_TOTAL_TOPIC, " +
          "SLUICE_THEMES_WINDOWED_TOPIC). The API keeps the latest count per theme in memory; the first " +
          "call starts reading, so it may answer before it has caught up.",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: {
          200: z.object({
            total: z.array(themeCount),
            latestWindow: z
              .object({ start: z.string(), end: z.string(), themes: z.array(themeCount) })
              .nullable(),
          }),
          400: problem("Bad query"),
          401: problem("Missing or invalid token (read auth on)"),
          501: problem("No Kafka configured for this API instance"),
          503: problem("Kafka is unreachable"),
        },
      },
    },
    async (request) => {
      if (!app.themes) throw new ApiError("NOT_IMPLEMENTED", "This API instance has no theme counts source");
      return app.themes.trending(request.query.limit);
    },
  );
};
