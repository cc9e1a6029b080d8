import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { enrichmentTaskListSchema, problem } from "../schemas.ts";
import { jobSummary } from "./views.ts";

/** Enrichment tasks declared by the jobs' current versions, and trending themes. */
export const enrichmentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/enrichment-tasks",
    {
      config: { auth: "read" },
      schema: {
        tags: ["enrichment"],
        summary: "Enrichment tasks of every job's current version, with the job's state",
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
        summary: "Trending review themes (not implemented yet: needs a Kafka reader in the API)",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: {
          200: z.object({ themes: z.array(z.object({ theme: z.string(), count: z.number() })) }),
          401: problem("Missing or invalid token (read auth on)"),
          501: problem("Not implemented yet"),
        },
      },
    },
    async () => {
      throw new ApiError("NOT_IMPLEMENTED", "Trending themes are not served by this version of the API yet");
    },
  );
};
