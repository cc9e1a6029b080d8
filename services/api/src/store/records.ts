import type { SQLInputValue } from "node:sqlite";
import { type CompiledStatement, enrichmentTaskSchema } from "@sluice/flink-jobs";
import { z } from "zod";
import type { CompiledJobLike, JobSpecLike } from "../compiler/port.ts";
import { operationRecordSchema } from "./operation-records.ts";

/**
 * The records of the job store and how a row becomes one: column names are turned to camelCase
 * and `<name>_json` columns are parsed into `<name>` ({@link recordOf}), then each table's schema
 * checks the result. Parsed, not cast: a row this code cannot read fails where it is read.
 */

/** A row as `node:sqlite` returns it. */
export type Row = Record<string, SQLInputValue>;

export type DesiredState = "RUNNING" | "STOPPED";

const jobRecordSchema = z.object({
  name: z.string(),
  desiredState: z.enum(["RUNNING", "STOPPED"]),
  currentVersion: z.number(),
  restartAttempts: z.number(),
  nextRestartAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

const specSchema = z.custom<JobSpecLike>(
  (value) =>
    typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string",
  "a stored spec has a name",
);
const compiledSchema = z.object({
  name: z.string(),
  statements: z.array(z.custom<CompiledStatement>((s) => typeof (s as { sql?: unknown })?.sql === "string")),
  enrichmentTasks: z.array(enrichmentTaskSchema),
  secretNames: z.array(z.string()),
}) satisfies z.ZodType<CompiledJobLike>;

/** What is recorded about one version of a job (versions, runs, savepoints). */
const ofJobVersion = { jobName: z.string(), version: z.number() };

const versionRecordSchema = z.object({
  ...ofJobVersion,
  spec: specSchema,
  specHash: z.string(),
  compiled: compiledSchema,
  status: z.enum(["accepted", "rejected"]),
  createdAt: z.number(),
});
export type VersionRecord = z.infer<typeof versionRecordSchema>;

const runRecordSchema = z.object({
  flinkJobId: z.string(),
  ...ofJobVersion,
  restoredFrom: z.string().nullable(),
  operationId: z.number().nullable(),
  submittedAt: z.number(),
  lastSeenState: z.string().nullable(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

const savepointRecordSchema = z.object({
  id: z.number(),
  ...ofJobVersion,
  flinkJobId: z.string(),
  path: z.string(),
  kind: z.enum(["savepoint", "checkpoint"]),
  reason: z.string(),
  createdAt: z.number(),
});
export type SavepointRecord = z.infer<typeof savepointRecordSchema>;

const eventRecordSchema = z.object({
  id: z.number(),
  jobName: z.string(),
  at: z.number(),
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type EventRecord = z.infer<typeof eventRecordSchema>;

/** Member name and JSON-ness of each column name seen (a few dozen): rows are read by the thousand. */
const members = new Map<string, { name: string; json: boolean }>();

function memberOf(column: string): { name: string; json: boolean } {
  let member = members.get(column);
  if (!member) {
    const json = column.endsWith("_json");
    const name = (json ? column.slice(0, -"_json".length) : column).replace(/_([a-z])/g, (_, c: string) =>
      c.toUpperCase(),
    );
    member = { name, json };
    members.set(column, member);
  }
  return member;
}

/** The row's columns as record members: `desired_state` -> `desiredState`, `spec_json` -> parsed `spec`. */
function recordOf(row: Row): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const column in row) {
    const { name, json } = memberOf(column);
    const value = row[column];
    record[name] = json && typeof value === "string" ? JSON.parse(value) : value;
  }
  return record;
}

function parser<T>(schema: z.ZodType<T>): (row: Row) => T {
  return (row) => schema.parse(recordOf(row));
}

export const toJob = parser(jobRecordSchema);
export const toVersion = parser(versionRecordSchema);
export const toRun = parser(runRecordSchema);
export const toSavepoint = parser(savepointRecordSchema);
export const toOperation = parser(operationRecordSchema);
export const toEvent = parser(eventRecordSchema);
