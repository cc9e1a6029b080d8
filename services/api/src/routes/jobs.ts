import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireJob } from "../commands/guards.ts";
import {
  createQuery,
  deleteQuery,
  dryRunSchema,
  jobDetailSchema,
  jobListQuery,
  jobListSchema,
  jobNameParam,
  jobSpecBody,
  problem,
  updateQuery,
} from "../schemas.ts";
import {
  detailOf,
  e401,
  e404,
  e503,
  readRoute,
  respond,
  specBodyValidator,
  writeRoute,
} from "./job-responses.ts";
import { jobList } from "./views.ts";

/** Jobs as resources: create (or dry-run), list, get, update, delete. Each route calls one command. */
export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/jobs",
    {
      ...writeRoute({
        summary: "Create a job (or, with ?dryRun=true, compile it and ask Flink to EXPLAIN it)",
        description:
          "Stores the spec as version 1 and submits it. Returns 202 with the job to poll. Posting the same " +
          "name and the same spec again returns 200 (idempotent); another spec under an existing name is a 409: use PUT.",
        querystring: createQuery,
        body: jobSpecBody,
        response: {
          200: jobDetailSchema
            .or(dryRunSchema)
            .describe("Already exists with this exact spec, or the dry-run result"),
          202: jobDetailSchema.describe("Accepted: the job is being submitted"),
          400: problem("Invalid spec (every problem with its JSON path), malformed JSON or bad query"),
          401: e401,
          409: problem("A job with this name exists with another spec: use PUT /v1/jobs/{name}"),
          413: problem("Body too large"),
          415: problem("Body is not JSON"),
          422: problem("A secret the job needs is not configured, or Flink rejected the SQL (dry run)"),
          502: problem("Flink answered with an error"),
          503: e503,
        },
      }),
      validatorCompiler: specBodyValidator,
    },
    async (request, reply) => {
      if (request.query.dryRun) return reply.code(200).send(await app.commands.dryRun(request.body));
      const result = await app.commands.create(request.body);
      if (result.accepted) request.log.info({ job: result.name }, "job created");
      return respond(app, reply, result);
    },
  );

  app.get(
    "/jobs",
    readRoute({
      summary: "List jobs with their derived state, and stray sluice/* Flink jobs",
      description:
        "Jobs in name order, a page at a time: follow `nextCursor` (as `cursor`) until it is null. " +
        "Every page lists the strays.",
      querystring: jobListQuery,
      response: { 200: jobListSchema, 400: problem("Bad query"), 401: e401 },
    }),
    async (request) => {
      const { store, reconciler, config } = app;
      return jobList(
        {
          store,
          observation: await app.observation(),
          restartLimit: config.restartLimit,
          flowOf: (name) => reconciler.flow.flowOf(name),
          strays: reconciler.strays,
        },
        request.query,
      );
    },
  );

  app.get(
    "/jobs/:name",
    readRoute({
      summary:
        "Get a job: spec, version, compiled SQL (secrets redacted), states, savepoints, recent exceptions",
      params: jobNameParam,
      response: { 200: jobDetailSchema, 400: problem("Bad job name"), 401: e401, 404: e404 },
    }),
    async (request) => {
      requireJob(app.store, request.params.name);
      return detailOf(app, request.params.name, await app.observation());
    },
  );

  app.put(
    "/jobs/:name",
    {
      ...writeRoute({
        summary:
          "Record a new spec version; a running job is upgraded through a savepoint when its SQL changes",
        description:
          "When the new version changes the job's SQL, a running job is stopped with a savepoint and the new " +
          "version is started from it; if the new version cannot run (e.g. Flink cannot map the old state) the old " +
          "version is restored from the same savepoint and the operation fails with the reason. Before that, a state " +
          "check predicts what Flink will do with the state (see POST /v1/jobs/{name}/plan): an incompatible upgrade " +
          "is refused with 409 STATE_INCOMPATIBLE, one that drops state with 409 STATE_LOSS_NOT_ALLOWED unless " +
          "?allowStateLoss=true; the verdict is in the job's events (state-check). ?stateless=true " +
          "starts the new version with empty state. A change of descriptions or flow thresholds (`flow`) only is " +
          "recorded and the running Flink job carries on (200). A stopped job only records the new version. The same spec again is a no-op (200).",
        params: jobNameParam,
        querystring: updateQuery,
        body: jobSpecBody,
        response: {
          200: jobDetailSchema.describe(
            "Nothing to run: same spec, descriptions or flow thresholds only, or the job is stopped (version recorded)",
          ),
          202: jobDetailSchema.describe("Accepted: the upgrade is in progress"),
          400: problem("Invalid spec or request"),
          401: e401,
          404: e404,
          409: problem(
            "Spec name differs from the URL, another operation is in progress, or the state check refuses the upgrade",
          ),
          413: problem("Body too large"),
          415: problem("Body is not JSON"),
          422: problem("A secret the job needs is not configured"),
          503: e503,
        },
      }),
      validatorCompiler: specBodyValidator,
    },
    async (request, reply) => {
      const { stateless, allowStateLoss } = request.query;
      return respond(
        app,
        reply,
        await app.commands.update(request.params.name, request.body, { stateless, allowStateLoss }),
      );
    },
  );

  app.delete(
    "/jobs/:name",
    writeRoute({
      summary: "Delete a job: stop it (with a savepoint unless ?mode=cancel), then forget it",
      params: jobNameParam,
      querystring: deleteQuery,
      response: {
        202: jobDetailSchema.describe("Accepted: stopping, then deleting; GET answers 404 when done"),
        400: problem("Bad query"),
        401: e401,
        404: e404,
        409: problem("Another operation is in progress"),
      },
    }),
    async (request, reply) =>
      respond(app, reply, await app.commands.delete(request.params.name, request.query.mode)),
  );
};
