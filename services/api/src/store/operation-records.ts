import { z } from "zod";

/**
 * What an operation record holds, per kind: the parameters it was recorded with and the progress
 * its steps wrote so far. Records are parsed with these schemas when read back from the store
 * (a discriminated union on `kind`), so the lifecycle code never casts what it reads.
 */

/** Where a submission restores state from. */
export const restoreRequestSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }),
  /** The newest savepoint Sluice recorded for the job (none: empty state). */
  z.object({ mode: z.literal("latest") }),
  z.object({ mode: z.literal("path"), path: z.string() }),
  /** Automatic restart: the newest of the recorded savepoints and the failed job's last checkpoint. */
  z.object({ mode: z.literal("auto"), failedJobId: z.string() }),
]);
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

const submitParamsSchema = z.object({
  version: z.number(),
  restore: restoreRequestSchema,
  reason: z.enum(["create", "start", "restart", "update"]),
});
export type SubmitParams = z.infer<typeof submitParamsSchema>;

const stopParamsSchema = z.object({ mode: z.enum(["savepoint", "cancel"]), drain: z.boolean() });
export type StopParams = z.infer<typeof stopParamsSchema>;
export type DeleteParams = StopParams;

const upgradeParamsSchema = z.object({
  fromVersion: z.number(),
  toVersion: z.number(),
  stateless: z.boolean(),
  /** The state check found state Flink cannot map, and the user accepted dropping it. */
  allowStateLoss: z.boolean().optional(),
});
export type UpgradeParams = z.infer<typeof upgradeParamsSchema>;

const savepointParamsSchema = z.object({});

const submitProgressSchema = z.object({
  restorePath: z.string().nullish(),
  /** The version's enrichment tasks were published (idempotent: compacted topic, same key). */
  tasksPublished: z.boolean().optional(),
  /** Set before calling the SQL Gateway: after a crash, the job may exist without a record. */
  startedAt: z.number().optional(),
  flinkJobId: z.string().optional(),
  runningSince: z.number().optional(),
});
export type SubmitProgress = z.infer<typeof submitProgressSchema>;

const stopProgressSchema = z.object({
  /** The Flink job to stop; `null` when nothing was running. */
  targetJobId: z.string().nullish(),
  requestedAt: z.number().optional(),
  triggerId: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  savepointPath: z.string().optional(),
  /** Savepoint triggers re-issued after a transient failure. */
  retriggers: z.number().optional(),
});
export type StopProgress = z.infer<typeof stopProgressSchema>;

const upgradeProgressSchema = z.object({
  phase: z.enum(["stop", "submit", "rollback"]).optional(),
  stop: stopProgressSchema.optional(),
  submit: submitProgressSchema.optional(),
  rollback: submitProgressSchema.optional(),
  failure: z.string().optional(),
});
export type UpgradeProgress = z.infer<typeof upgradeProgressSchema>;

export const operationKindSchema = z.enum(["submit", "stop", "savepoint", "upgrade", "delete"]);
export type OperationKind = z.infer<typeof operationKindSchema>;
export type OperationStatus = "pending" | "running" | "succeeded" | "failed";

const paramsSchemas = {
  submit: submitParamsSchema,
  stop: stopParamsSchema,
  savepoint: savepointParamsSchema,
  upgrade: upgradeParamsSchema,
  delete: stopParamsSchema,
} as const satisfies Record<OperationKind, z.ZodType>;

/** The parameters an operation of kind `K` is recorded with. */
export type OperationParamsOf<K extends OperationKind> = z.infer<(typeof paramsSchemas)[K]>;

const common = {
  id: z.number(),
  jobName: z.string(),
  status: z.enum(["pending", "running", "succeeded", "failed"]),
  error: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
};

export const operationRecordSchema = z.discriminatedUnion("kind", [
  z.object({
    ...common,
    kind: z.literal("submit"),
    params: submitParamsSchema,
    progress: submitProgressSchema,
  }),
  z.object({ ...common, kind: z.literal("stop"), params: stopParamsSchema, progress: stopProgressSchema }),
  z.object({
    ...common,
    kind: z.literal("savepoint"),
    params: savepointParamsSchema,
    progress: stopProgressSchema,
  }),
  z.object({
    ...common,
    kind: z.literal("upgrade"),
    params: upgradeParamsSchema,
    progress: upgradeProgressSchema,
  }),
  z.object({ ...common, kind: z.literal("delete"), params: stopParamsSchema, progress: stopProgressSchema }),
]);

/** A recorded operation; `params` and `progress` are typed by `kind`. */
export type OperationRecord = z.infer<typeof operationRecordSchema>;
/** The record of one kind of operation. */
export type OperationOf<K extends OperationKind> = Extract<OperationRecord, { kind: K }>;

/** Checks parameters before they are recorded (a typo in a route fails there, not at the next read). */
export function checkOperationParams(kind: OperationKind, params: unknown): void {
  paramsSchemas[kind].parse(params);
}
