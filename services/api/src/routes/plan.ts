import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { jobNameParam, jobSpecBody, problem } from "../schemas.ts";
import { planQuery, upgradePlanSchema } from "../state-check-schemas.ts";
import { e401, e404, e503, specBodyValidator, writeRoute } from "./job-responses.ts";

/** The dry run of an upgrade: what a new spec would do to the running job's state. */
export const planRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/jobs/:name/plan",
    {
      ...writeRoute({
        summary:
          "Predict what upgrading to a spec would do to the job's state, without stopping or storing anything",
        description:
          "Plans the deployed version and the new spec with Flink's planner (EXPLAIN, no job is touched), matches " +
          "their operators by the operator ids Flink gives them (the keys of the state in a savepoint) and says, per " +
          "stateful operator, whether its state is kept, dropped or cannot be restored, with an overall verdict. " +
          "PUT /v1/jobs/{name} applies the same check.",
        params: jobNameParam,
        querystring: planQuery,
        body: jobSpecBody,
        response: {
          200: upgradePlanSchema,
          400: problem("Invalid spec or request"),
          401: e401,
          404: e404,
          409: problem("Spec name differs from the URL"),
          413: problem("Body too large"),
          415: problem("Body is not JSON"),
          503: e503,
        },
      }),
      validatorCompiler: specBodyValidator,
    },
    async (request) =>
      app.commands.plan(request.params.name, request.body, { stateless: request.query.stateless }),
  );
};
