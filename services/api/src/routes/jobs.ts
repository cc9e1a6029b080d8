import { createHash } from "node:crypto";
import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { type FastifyPluginAsyncZod, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CompiledJobLike, JobSpecLike } from "../compiler/port.ts";
import { ApiError, jsonPath } from "../errors.ts";
import { ACTIVE_FLINK_STATES, pipelineName } from "../flink/port.ts";
import type { RestoreRequest, StopParams, SubmitParams, UpgradeParams } from "../lifecycle/operations.ts";
import type { ObservationResult } from "../lifecycle/reconciler.ts";
import { assertSecretsConfigured, scrub, secretValues, secretVariable } from "../lifecycle/secrets.ts";
import { classifySpecChange } from "../lifecycle/spec-change.ts";
import {
  createQuery,
  deleteQuery,
  dryRunSchema,
  eventSchema,
  eventsQuery,
  jobDetailSchema,
  jobListSchema,
  jobNameParam,
  jobSpecBody,
  problem,
  savepointSchema,
  startBody,
  stopBody,
  updateQuery,
} from "../schemas.ts";
import type { JobRecord } from "../store/store.ts";
import { jobDetail, jobSummary, savepointView } from "./views.ts";

const tags = ["jobs"];

/**
 * Validates params and query with their zod schemas but lets the spec body through untouched:
 * the compiler validates it and reports every problem (schema and semantics) with its path.
 */
const specBodyValidator: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === "body"
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
const security = [{ bearer: [] }];

const e401 = problem("Missing or invalid bearer token");
const e404 = problem("No job with this name");
const e503 = problem("Flink is unreachable (the problem lists the URLs tried)");

/** Canonical JSON (sorted keys), so that the same spec always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Hash of a spec without the API-assigned version. */
export function specHash(spec: JobSpecLike): string {
  const { version: _version, ...rest } = spec;
  return createHash("sha256").update(canonical(rest)).digest("hex");
}

/**
 * Validates a request body and compiles it as `version` (the API assigns versions; the compiled
 * SQL carries it in default consumer group ids), or throws INVALID_SPEC with every problem's JSON
 * path. The returned spec carries the version; {@link specHash} leaves it out.
 */
function compileBody(
  app: FastifyInstance,
  body: unknown,
  version: number,
): { spec: JobSpecLike; compiled: CompiledJobLike } {
  const result = app.compiler.validate(body);
  if (!result.ok) {
    throw new ApiError("INVALID_SPEC", `The job specification has ${result.problems.length} problem(s)`, {
      problems: result.problems,
    });
  }
  const spec = { ...result.spec, version };
  try {
    return { spec, compiled: app.compiler.compile(spec) };
  } catch (error) {
    const problems = (error as { problems?: Array<{ path: unknown; code?: string; message: string }> })
      .problems;
    if (Array.isArray(problems)) {
      throw new ApiError("INVALID_SPEC", `The job specification cannot be compiled`, {
        problems: problems.map((p) => ({
          path: Array.isArray(p.path) ? jsonPath(p.path) : String(p.path),
          code: p.code ?? "invalid",
          message: p.message,
        })),
      });
    }
    throw error;
  }
}

export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, reconciler, config } = app;
  const now = app.lifecycle.now;

  const requireJob = (name: string): JobRecord => {
    const job = store.getJob(name);
    if (!job) throw new ApiError("JOB_NOT_FOUND", `No job named "${name}"`);
    return job;
  };

  const scrubberFor = (job: JobRecord) => {
    const version = store.getVersion(job.name, job.currentVersion);
    const secrets = version ? secretValues(app.lifecycle, version.compiled) : [];
    return (text: string) => scrub(text, secrets);
  };

  const detail = (name: string, observation: ObservationResult | undefined) => {
    const job = requireJob(name);
    return jobDetail(
      {
        store,
        compiler: app.compiler,
        observation,
        restartLimit: config.restartLimit,
        duplicates: reconciler.duplicates.get(name)?.others ?? [],
        scrub: scrubberFor(job),
        exceptionsOf: (id) => reconciler.exceptionsOf(id),
      },
      job,
    );
  };

  /** Is the job's current run active in Flink, according to the last observation? */
  const runActive = (name: string, observation: ObservationResult): boolean => {
    const run = store.latestRun(name);
    if (!run || !observation.reachable) return false;
    const state = observation.jobs.find((j) => j.id === run.flinkJobId)?.state;
    return state !== undefined && ACTIVE_FLINK_STATES.has(state);
  };

  const refuseIfBusy = (name: string) => {
    const op = store.activeOperation(name);
    if (op) {
      throw new ApiError(
        "OPERATION_IN_PROGRESS",
        `Operation ${op.id} (${op.kind}) is still ${op.status} for job "${name}"; poll GET /v1/jobs/${name}`,
      );
    }
  };

  // ---- create -------------------------------------------------------------------------------
  app.post(
    "/jobs",
    {
      config: { auth: "write" },
      validatorCompiler: specBodyValidator,
      schema: {
        tags,
        security,
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
      },
    },
    async (request, reply) => {
      // A create is version 1 (the dry run shows the SQL that version would run).
      const { spec, compiled } = compileBody(app, request.body, 1);
      if (request.query.dryRun) {
        const lookup = (n: string) => app.lifecycle.env[secretVariable(config.secretEnvPrefix, n)];
        const secrets = secretValues(app.lifecycle, compiled);
        const resolvable = compiled.secretNames.every((n) => lookup(n) !== undefined);
        const statements = compiled.statements.map((s) => ({
          kind: s.kind,
          sql: resolvable ? app.compiler.resolveSecrets(s.sql, lookup) : s.sql,
        }));
        let plan: string;
        try {
          plan = await app.flink.explain({
            settings: { "pipeline.name": pipelineName(spec.name, 0) },
            statements,
          });
        } catch (error) {
          if (error instanceof Error) error.message = scrub(error.message, secrets);
          throw error;
        }
        return reply.code(200).send({
          dryRun: true as const,
          name: spec.name,
          sql: compiled.statements.map((s) => ({ kind: s.kind, sql: app.compiler.redactSecrets(s.sql) })),
          plan: scrub(plan, secrets),
          secretNames: compiled.secretNames,
        });
      }
      const hash = specHash(spec);
      const existing = store.getJob(spec.name);
      if (existing) {
        const current = store.getVersion(spec.name, existing.currentVersion);
        if (current?.specHash === hash) {
          return reply.code(200).send(detail(spec.name, await app.observation()));
        }
        throw new ApiError(
          "JOB_EXISTS",
          `Job "${spec.name}" exists (version ${existing.currentVersion}) with another spec; use PUT /v1/jobs/${spec.name} to upgrade it`,
        );
      }
      assertSecretsConfigured(app.lifecycle, compiled);
      const at = now();
      store.transaction(() => {
        store.createJob({ name: spec.name, spec, specHash: hash, compiled, desiredState: "RUNNING" }, at);
        const params: SubmitParams = { version: 1, restore: { mode: "none" }, reason: "create" };
        store.addOperation(spec.name, "submit", { ...params }, at);
        store.addEvent(spec.name, "created", "job created (version 1)", { version: 1 }, at);
      });
      request.log.info({ job: spec.name }, "job created");
      reconciler.wake();
      return reply.code(202).send(detail(spec.name, await app.observation()));
    },
  );

  // ---- list and get -------------------------------------------------------------------------
  app.get(
    "/jobs",
    {
      config: { auth: "read" },
      schema: {
        tags,
        summary: "List jobs with their derived state, and stray sluice/* Flink jobs",
        response: { 200: jobListSchema, 401: e401 },
      },
    },
    async () => {
      const observation = await app.observation();
      return {
        jobs: store.listJobs().map((job) => jobSummary(store, job, observation, config.restartLimit)),
        strays: reconciler.strays.map((s) => ({ flinkJobId: s.id, pipelineName: s.name, state: s.state })),
      };
    },
  );

  app.get(
    "/jobs/:name",
    {
      config: { auth: "read" },
      schema: {
        tags,
        summary:
          "Get a job: spec, version, compiled SQL (secrets redacted), states, savepoints, recent exceptions",
        params: jobNameParam,
        response: { 200: jobDetailSchema, 400: problem("Bad job name"), 401: e401, 404: e404 },
      },
    },
    async (request) => {
      requireJob(request.params.name);
      return detail(request.params.name, await app.observation());
    },
  );

  // ---- update / upgrade ---------------------------------------------------------------------
  app.put(
    "/jobs/:name",
    {
      config: { auth: "write" },
      validatorCompiler: specBodyValidator,
      schema: {
        tags,
        security,
        summary: "Upgrade a job to a new spec version through a savepoint",
        description:
          "A running job is stopped with a savepoint and the new version is started from it; if the new " +
          "version cannot run (e.g. Flink cannot map the old state) the old version is restored from the same " +
          "savepoint and the operation fails with the reason. ?stateless=true starts the new version with empty state. " +
          "A stopped job only records the new version. The same spec again is a no-op (200).",
        params: jobNameParam,
        querystring: updateQuery,
        body: jobSpecBody,
        response: {
          200: jobDetailSchema.describe(
            "Nothing to run: same spec, or the job is stopped (version recorded)",
          ),
          202: jobDetailSchema.describe("Accepted: the upgrade is in progress"),
          400: problem("Invalid spec or request"),
          401: e401,
          404: e404,
          409: problem("Spec name differs from the URL, or another operation is in progress"),
          413: problem("Body too large"),
          415: problem("Body is not JSON"),
          422: problem("A secret the job needs is not configured"),
          503: e503,
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const job = requireJob(name);
      // Compiled as the version it will be recorded as (nothing awaits before the transaction below).
      const { spec, compiled } = compileBody(app, request.body, store.nextVersion(name));
      if (spec.name !== name) {
        throw new ApiError("NAME_MISMATCH", `The spec is named "${spec.name}" but the URL names "${name}"`);
      }
      const hash = specHash(spec);
      const previous = store.getVersion(name, job.currentVersion);
      const change =
        previous && classifySpecChange(previous.spec, spec, { stateless: request.query.stateless });
      if (change?.kind === "ignore") return reply.code(200).send(detail(name, await app.observation()));
      refuseIfBusy(name);
      assertSecretsConfigured(app.lifecycle, compiled);
      const at = now();
      const fromVersion = job.currentVersion;
      let upgrading = false;
      store.transaction(() => {
        const version = store.addVersion(name, spec, hash, compiled, at);
        store.updateJob(
          name,
          { currentVersion: version.version, restartAttempts: 0, nextRestartAt: null },
          at,
        );
        // Only descriptions changed: the reconciler applies the version to the running Flink job.
        if (job.desiredState === "RUNNING" && change?.kind !== "metadata") {
          const params: UpgradeParams = {
            fromVersion,
            toVersion: version.version,
            stateless: request.query.stateless,
          };
          store.addOperation(name, "upgrade", { ...params }, at);
          upgrading = true;
        }
        store.addEvent(
          name,
          "version-added",
          upgrading
            ? `version ${version.version} accepted; upgrading from v${fromVersion}${request.query.stateless ? " without state" : ""}`
            : job.desiredState === "RUNNING"
              ? `version ${version.version} recorded; only descriptions changed, the running job keeps running`
              : `version ${version.version} recorded; the job is stopped and will start with it`,
          { version: version.version, fromVersion },
          at,
        );
      });
      reconciler.wake();
      return reply.code(upgrading ? 202 : 200).send(detail(name, await app.observation()));
    },
  );

  // ---- stop / start -------------------------------------------------------------------------
  app.post(
    "/jobs/:name/stop",
    {
      config: { auth: "write" },
      schema: {
        tags,
        security,
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
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const job = requireJob(name);
      const active = store.activeOperation(name);
      if (active?.kind === "stop") return reply.code(202).send(detail(name, await app.observation()));
      refuseIfBusy(name);
      const observation = await app.observation();
      if (job.desiredState === "STOPPED" && observation.reachable && !runActive(name, observation)) {
        return reply.code(200).send(detail(name, observation));
      }
      const params: StopParams = { mode: request.body.mode, drain: request.body.drain };
      const at = now();
      store.transaction(() => {
        store.updateJob(name, { desiredState: "STOPPED", restartAttempts: 0, nextRestartAt: null }, at);
        store.addOperation(name, "stop", { ...params }, at);
        store.addEvent(
          name,
          "stop-requested",
          `stop requested (${params.mode}${params.drain ? ", drain" : ""})`,
          null,
          at,
        );
      });
      reconciler.wake();
      return reply.code(202).send(detail(name, observation));
    },
  );

  app.post(
    "/jobs/:name/start",
    {
      config: { auth: "write" },
      schema: {
        tags,
        security,
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
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const job = requireJob(name);
      const active = store.activeOperation(name);
      if (active?.kind === "submit") return reply.code(202).send(detail(name, await app.observation()));
      refuseIfBusy(name);
      const from = request.body.from;
      let restore: RestoreRequest;
      if (from === "latest") restore = { mode: "latest" };
      else if (from === "none") restore = { mode: "none" };
      else {
        if (!store.findSavepoint(name, from)) {
          throw new ApiError(
            "UNKNOWN_SAVEPOINT",
            `Sluice has no record of savepoint "${from}" for job "${name}"`,
            {
              problems: [
                { path: "body.from", code: "unknown_savepoint", message: "not a savepoint Sluice recorded" },
              ],
            },
          );
        }
        restore = { mode: "path", path: from };
      }
      const observation = await app.observation();
      if (runActive(name, observation)) {
        if (job.desiredState !== "RUNNING") store.updateJob(name, { desiredState: "RUNNING" }, now());
        return reply.code(200).send(detail(name, observation));
      }
      const version = store.getVersion(name, job.currentVersion);
      if (version) assertSecretsConfigured(app.lifecycle, version.compiled);
      const at = now();
      store.transaction(() => {
        store.updateJob(name, { desiredState: "RUNNING", restartAttempts: 0, nextRestartAt: null }, at);
        const params: SubmitParams = { version: job.currentVersion, restore, reason: "start" };
        store.addOperation(name, "submit", { ...params }, at);
        store.addEvent(name, "start-requested", `start requested (from ${from})`, null, at);
      });
      reconciler.wake();
      return reply.code(202).send(detail(name, observation));
    },
  );

  // ---- savepoints ---------------------------------------------------------------------------
  app.post(
    "/jobs/:name/savepoints",
    {
      config: { auth: "write" },
      schema: {
        tags,
        security,
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
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      requireJob(name);
      refuseIfBusy(name);
      const observation = await app.observation();
      if (!observation.reachable) {
        throw new ApiError("FLINK_UNREACHABLE", `Flink did not answer: ${observation.error}`, {
          extra: { tried: observation.urls },
        });
      }
      const run = store.latestRun(name);
      const state = run && observation.jobs.find((j) => j.id === run.flinkJobId)?.state;
      if (state !== "RUNNING") {
        throw new ApiError(
          "JOB_NOT_RUNNING",
          `Job "${name}" is not running (Flink state: ${state ?? "none"})`,
        );
      }
      const at = now();
      store.transaction(() => {
        store.addOperation(name, "savepoint", {}, at);
        store.addEvent(name, "savepoint-requested", "savepoint requested", null, at);
      });
      reconciler.wake();
      return reply.code(202).send(detail(name, observation));
    },
  );

  app.get(
    "/jobs/:name/savepoints",
    {
      config: { auth: "read" },
      schema: {
        tags,
        summary: "Savepoints (and retained checkpoints used for restarts) Sluice recorded, newest first",
        params: jobNameParam,
        response: {
          200: z.object({ savepoints: savepointSchema.array() }),
          400: problem("Bad job name"),
          401: e401,
          404: e404,
        },
      },
    },
    async (request) => {
      requireJob(request.params.name);
      return { savepoints: store.listSavepoints(request.params.name).map(savepointView) };
    },
  );

  // ---- events -------------------------------------------------------------------------------
  app.get(
    "/jobs/:name/events",
    {
      config: { auth: "read" },
      schema: {
        tags,
        summary: "The job's event log, oldest first (page with ?after=<last id>)",
        params: jobNameParam,
        querystring: eventsQuery,
        response: {
          200: z.object({ events: eventSchema.array() }),
          400: problem("Bad query"),
          401: e401,
          404: e404,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const job = requireJob(name);
      const scrubber = scrubberFor(job);
      return {
        events: store.listEvents(name, request.query).map((e) => ({
          id: e.id,
          at: new Date(e.at).toISOString(),
          type: e.type,
          message: scrubber(e.message),
          data: e.data,
        })),
      };
    },
  );

  // ---- delete -------------------------------------------------------------------------------
  app.delete(
    "/jobs/:name",
    {
      config: { auth: "write" },
      schema: {
        tags,
        security,
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
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      requireJob(name);
      const active = store.activeOperation(name);
      if (active?.kind === "delete") return reply.code(202).send(detail(name, await app.observation()));
      refuseIfBusy(name);
      const at = now();
      store.transaction(() => {
        store.updateJob(name, { desiredState: "STOPPED" }, at);
        store.addOperation(name, "delete", { mode: request.query.mode, drain: false }, at);
        store.addEvent(name, "delete-requested", `delete requested (${request.query.mode})`, null, at);
      });
      reconciler.wake();
      return reply.code(202).send(detail(name, await app.observation()));
    },
  );
};
