import type { FastifyInstance, FastifyReply, FastifySchemaCompiler } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import { requireJob } from "../commands/guards.ts";
import type { CommandResult } from "../commands/index.ts";
import type { ObservationResult } from "../lifecycle/reconciler.ts";
import { scrub, secretValues } from "../lifecycle/secrets.ts";
import { problem } from "../schemas.ts";
import type { JobRecord } from "../store/store.ts";
import { jobDetail } from "./views.ts";

/** What the job routes share: tags, security, common problem responses, the detail view. */
export const tags = ["jobs"];
export const security = [{ bearer: [] }];
export const e401 = problem("Missing or invalid bearer token");
export const e404 = problem("No job with this name");
export const e503 = problem("Flink is unreachable (the problem lists the URLs tried)");

/** Options of a job route that only reads: the read token (when one is set), tagged `jobs`. */
export function readRoute<Schema extends object>(schema: Schema) {
  return { config: { auth: "read" as const }, schema: { tags, ...schema } };
}

/** Options of a job route that changes something: the write token, which the document states as `security`. */
export function writeRoute<Schema extends object>(schema: Schema) {
  return { config: { auth: "write" as const }, schema: { tags, security, ...schema } };
}

/**
 * Validates params and query with their zod schemas but lets the spec body through untouched:
 * the compiler validates it and reports every problem (schema and semantics) with its path.
 */
export const specBodyValidator: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === "body"
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);

/** Masks the secret values of the job's current version in text from Flink. */
export function scrubberFor(app: FastifyInstance, job: JobRecord): (text: string) => string {
  const version = app.store.getVersion(job.name, job.currentVersion);
  const secrets = version ? secretValues(app.lifecycle, version.compiled) : [];
  return (text) => scrub(text, secrets);
}

/** The job as GET /v1/jobs/{name} shows it. */
export function detailOf(app: FastifyInstance, name: string, observation: ObservationResult | undefined) {
  const job = requireJob(app.store, name);
  return jobDetail(
    {
      store: app.store,
      compiler: app.compiler,
      observation,
      restartLimit: app.config.restartLimit,
      duplicates: app.reconciler.duplicates.get(name)?.others ?? [],
      scrub: scrubberFor(app, job),
      exceptionsOf: (id) => app.reconciler.exceptionsOf(id),
      now: app.lifecycle.now,
      flowOf: (jobName) => app.reconciler.flow.flowOf(jobName),
      thresholdsOf: (record) => app.reconciler.flow.thresholdsOf(record),
    },
    job,
  );
}

/** A command's result as HTTP: 202 when it recorded an operation, else 200; the job's detail. */
export async function respond(app: FastifyInstance, reply: FastifyReply, result: CommandResult) {
  const observation = result.observation ?? (await app.observation());
  return reply.code(result.accepted ? 202 : 200).send(detailOf(app, result.name, observation));
}
