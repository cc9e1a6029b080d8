import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireJob } from "../commands/guards.ts";
import {
  eventSchema,
  eventsQuery,
  jobDetailSchema,
  jobNameParam,
  problem,
  savepointSchema,
  startBody,
  stopBody,
} from "../schemas.ts";
import { e401, e404, e503, readRoute, respond, scrubberFor, writeRoute } from "./job-responses.ts";
import { savepointView } from "./views.ts";

/** What is done to a job: stop, start, savepoints; and what happened to it: its event log. */
export const jobActionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/jobs/:name/stop",
    writeRoute({
      summary: "Stop a job (stop-with-savepoint by default; mode=cancel only when asked)",
      params: jobNameParam,
      body: stopBody,
      response: {
        200: jobDetailSchema.describe("Already stopped"),
        202: jobDetailSchema.describe("Accepted: stopping"),
        400: problem("Bad request"),
        401: e401,
        404: e404,
        409: problem("Another operation is in progress"),
        415: problem("Body is not JSON"),
      },
    }),
    async (request, reply) => respond(app, reply, await app.commands.stop(request.params.name, request.body)),
  );

  app.post(
    "/jobs/:name/start",
    writeRoute({
      summary:
        "Start (resume) a job: from the latest savepoint by default, from: 'none', or a recorded savepoint path",
      params: jobNameParam,
      body: startBody,
      response: {
        200: jobDetailSchema.describe("Already running"),
        202: jobDetailSchema.describe("Accepted: submitting"),
        400: problem("Bad request, or a savepoint path Sluice did not record"),
        401: e401,
        404: e404,
        409: problem("Another operation is in progress"),
        415: problem("Body is not JSON"),
        422: problem("A secret the job needs is not configured"),
      },
    }),
    async (request, reply) =>
      respond(app, reply, await app.commands.start(request.params.name, request.body.from)),
  );

  app.post(
    "/jobs/:name/savepoints",
    writeRoute({
      summary: "Trigger a savepoint of the running job (the job keeps running)",
      params: jobNameParam,
      response: {
        202: jobDetailSchema.describe("Accepted: the savepoint is being taken; it appears in savepoints"),
        400: problem("Bad job name"),
        401: e401,
        404: e404,
        409: problem("The job is not running, or another operation is in progress"),
        503: e503,
      },
    }),
    async (request, reply) => respond(app, reply, await app.commands.savepoint(request.params.name)),
  );

  app.get(
    "/jobs/:name/savepoints",
    readRoute({
      summary: "Savepoints (and retained checkpoints used for restarts) Sluice recorded, newest first",
      params: jobNameParam,
      response: {
        200: z.object({ savepoints: savepointSchema.array() }),
        400: problem("Bad job name"),
        401: e401,
        404: e404,
      },
    }),
    async (request) => {
      requireJob(app.store, request.params.name);
      return { savepoints: app.store.listSavepoints(request.params.name).map(savepointView) };
    },
  );

  app.get(
    "/jobs/:name/events",
    readRoute({
      summary: "The job's event log, oldest first (page with ?after=<last id>)",
      params: jobNameParam,
      querystring: eventsQuery,
      response: {
        200: z.object({ events: eventSchema.array() }),
        400: problem("Bad query"),
        401: e401,
        404: e404,
      },
    }),
    async (request) => {
      const { name } = request.params;
      const scrub = scrubberFor(app, requireJob(app.store, name));
      return {
        events: app.store.listEvents(name, request.query).map((e) => ({
          id: e.id,
          at: new Date(e.at).toISOString(),
          type: e.type,
          message: scrub(e.message),
          data: e.data,
        })),
      };
    },
  );
};
