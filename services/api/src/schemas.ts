import { jobSpecSchema, STATEMENT_KINDS } from "@sluice/flink-jobs";
import { z } from "zod";
import { API_ERROR_CODES } from "./errors.ts";
import { conditionSchema, flowSchema, flowThresholdsSchema } from "./flow/schemas.ts";
import { LIFECYCLE_STATES } from "./lifecycle/state.ts";
import { stateCompatibilitySchema } from "./state-check-schemas.ts";
import { operationKindSchema } from "./store/operation-records.ts";

/**
 * Request and response schemas of the HTTP API. Routes use them for validation and
 * serialisation; the OpenAPI document is generated from them (snapshot-tested).
 */

export const jobNameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: "job names are lower-case slugs: a-z, 0-9, '-', '_'" })
    .describe("The job's name (its identity)"),
});

/** `?flag=true` in a query string. */
const queryBool = z
  .enum(["true", "false"])
  .default("false")
  .transform((v) => v === "true");

export const createQuery = z.object({
  dryRun: queryBool.describe("Compile and ask Flink to EXPLAIN the job without running or storing it"),
});

export const updateQuery = z.object({
  stateless: queryBool.describe("Start the new version with empty state instead of the upgrade savepoint"),
  allowStateLoss: queryBool.describe(
    "Accept an upgrade whose state-compatibility verdict is compatible-with-state-loss: state Flink cannot map is dropped",
  ),
});

export const deleteQuery = z.object({
  mode: z
    .enum(["savepoint", "cancel"])
    .default("savepoint")
    .describe("How to stop a running job before deleting it (stop-with-savepoint lets sinks commit)"),
});

/** Jobs per page of `GET /v1/jobs` unless `limit` says otherwise. */
export const JOB_PAGE_SIZE = 100;

export const jobListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(JOB_PAGE_SIZE)
    .describe(`Jobs per page, in name order (default ${JOB_PAGE_SIZE})`),
  cursor: jobNameParam.shape.name
    .optional()
    .describe("Where the page starts: the `nextCursor` of the previous page"),
});

export const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).describe("Only events with a larger id"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * The job spec body, documented with the spec schema of `@sluice/flink-jobs`. The routes do not
 * let Fastify validate it (see `specBodyValidator`): the compiler does, so that every problem,
 * schema or semantic, comes back as one INVALID_SPEC with its JSON path.
 */
export const jobSpecBody = jobSpecSchema.meta({
  id: "JobSpec",
  description:
    "A job specification (see @sluice/flink-jobs); validated by the compiler, problems as INVALID_SPEC",
});

export const stopBody = z
  .object({
    mode: z
      .enum(["savepoint", "cancel"])
      .default("savepoint")
      .describe("savepoint: stop-with-savepoint (default); cancel: no savepoint, only when asked"),
    drain: z
      .boolean()
      .default(false)
      .describe("Emit MAX_WATERMARK before stopping (ends event-time windows)"),
  })
  .strict()
  .default({ mode: "savepoint", drain: false });

export const startBody = z
  .object({
    from: z
      .string()
      .min(1)
      .default("latest")
      .describe(
        '"latest" (newest recorded savepoint, default), "none" (empty state) or a savepoint path Sluice recorded',
      ),
  })
  .strict()
  .default({ from: "latest" });

const isoTime = z.iso.datetime();

export const statementSchema = z
  .object({
    kind: z.enum(STATEMENT_KINDS),
    sql: z.string().describe("Flink SQL with secrets redacted"),
  })
  .meta({ id: "CompiledStatement" });

export const savepointSchema = z
  .object({
    path: z.string(),
    kind: z.enum(["savepoint", "checkpoint"]),
    reason: z.string().describe("stop, upgrade, manual, delete or restart"),
    version: z.number().int(),
    flinkJobId: z.string(),
    createdAt: isoTime,
  })
  .meta({ id: "Savepoint" });

export const operationSchema = z
  .object({
    id: z.number().int(),
    kind: operationKindSchema,
    status: z.enum(["pending", "running", "succeeded", "failed"]),
    error: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
    finishedAt: isoTime.nullable(),
  })
  .meta({ id: "Operation" });

export const jobSummarySchema = z
  .object({
    name: z.string(),
    version: z.number().int().describe("The current spec version"),
    desiredState: z.enum(["RUNNING", "STOPPED"]),
    state: z
      .enum(LIFECYCLE_STATES)
      .describe("Derived from what Flink reports; UNKNOWN when Flink is unreachable"),
    reason: z.string().optional(),
    flinkJobId: z.string().nullable().describe("The Flink job of the current run"),
    flinkState: z.string().nullable().describe("Flink's own state of that job, MISSING when Flink forgot it"),
    conditions: z
      .array(conditionSchema)
      .describe(
        "DataFlowing, CheckpointsHealthy, NoDeadLetters, CaughtUp while the job runs; empty otherwise",
      ),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: "JobSummary" });

export const jobDetailSchema = jobSummarySchema
  .extend({
    description: z.string().optional(),
    spec: z.record(z.string(), z.unknown()),
    sql: z.array(statementSchema),
    secretNames: z.array(z.string()).describe("Secrets the job needs (names only)"),
    savepoints: z.array(savepointSchema),
    exceptions: z
      .array(z.object({ timestamp: isoTime, message: z.string() }))
      .describe("Recent exceptions Flink reported for the current run"),
    operation: operationSchema.nullable().describe("The operation in progress (poll until it is null)"),
    lastOperation: operationSchema.nullable(),
    versions: z.array(
      z.object({ version: z.number().int(), status: z.enum(["accepted", "rejected"]), createdAt: isoTime }),
    ),
    runs: z.array(
      z.object({
        flinkJobId: z.string(),
        version: z.number().int(),
        restoredFrom: z.string().nullable(),
        submittedAt: isoTime,
      }),
    ),
    duplicates: z
      .array(z.string())
      .describe("Other active Flink jobs carrying this job's name (reported, untouched)"),
    recovery: z
      .object({
        checkpoints: z.boolean().describe("false only when the spec opted out (`checkpoints: false`)"),
        interval: z.string().nullable().describe("Checkpoint interval, e.g. `10 s` (the default)"),
        mode: z.enum(["EXACTLY_ONCE", "AT_LEAST_ONCE"]).nullable(),
        parallelism: z
          .number()
          .int()
          .nullable()
          .describe("The spec's parallelism; null: the cluster default"),
        resumable: z
          .boolean()
          .describe(
            "Whether a restart resumes from the newest checkpoint or savepoint rather than empty state",
          ),
        reason: z.string().optional(),
      })
      .describe("How the job recovers after a failure"),
    flow: flowSchema
      .nullable()
      .describe("Flow metrics of the running Flink job as the API last read them; null when none is fresh"),
    flowThresholds: flowThresholdsSchema.describe("What the job's conditions are judged by"),
  })
  .meta({ id: "Job" });

export const jobListSchema = z
  .object({
    jobs: z.array(jobSummarySchema),
    strays: z
      .array(z.object({ flinkJobId: z.string(), pipelineName: z.string(), state: z.string() }))
      .describe("Active Flink jobs named sluice/* that no record explains"),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  })
  .meta({ id: "JobList" });

export const dryRunSchema = z
  .object({
    dryRun: z.literal(true),
    name: z.string(),
    sql: z.array(statementSchema),
    plan: z.string().describe("Flink's EXPLAIN output"),
    secretNames: z.array(z.string()),
  })
  .meta({ id: "DryRun" });

export const eventSchema = z
  .object({
    id: z.number().int(),
    at: isoTime,
    type: z.string(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "Event" });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(API_ERROR_CODES),
    detail: z.string(),
    problems: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
    tried: z.array(z.string()).optional().describe("For FLINK_UNREACHABLE: the URLs that were tried"),
    stateCompatibility: stateCompatibilitySchema
      .optional()
      .describe("For STATE_INCOMPATIBLE and STATE_LOSS_NOT_ALLOWED: the verdict"),
  })
  .meta({ id: "Problem" });

export const healthSchema = z.object({ status: z.literal("ok") });

export const readinessSchema = z.object({
  status: z.enum(["ready", "not-ready"]),
  checks: z.object({
    store: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    flink: z.object({ ok: z.boolean(), detail: z.string().optional(), tried: z.array(z.string()) }),
  }),
});

export const enrichmentTaskListSchema = z.object({
  tasks: z.array(
    z.object({
      job: z.string(),
      jobState: z.enum(LIFECYCLE_STATES),
      task: z.record(z.string(), z.unknown()),
    }),
  ),
});

/** Response entry for a problem+json status in a route schema. */
export function problem(description: string) {
  return { description, content: { "application/problem+json": { schema: problemSchema } } };
}
