/**
 * The response shapes of the Sluice API that the CLI reads, mirroring `services/api/src/schemas.ts`
 * (the OpenAPI document at `/openapi.json` is the reference). Only what the CLI uses is typed.
 */

export type LifecycleState =
  | "SUBMITTING"
  | "RUNNING"
  | "STOPPING"
  | "STOPPED"
  | "UPGRADING"
  | "FAILED"
  | "UNKNOWN";

export interface CompiledStatement {
  kind: "set" | "create-table" | "create-view" | "insert" | "statement-set";
  sql: string;
}

export interface Operation {
  id: number;
  kind: "submit" | "stop" | "savepoint" | "upgrade" | "delete";
  status: "pending" | "running" | "succeeded" | "failed";
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface Savepoint {
  path: string;
  kind: "savepoint" | "checkpoint";
  reason: string;
  version: number;
  flinkJobId: string;
  createdAt: string;
}

export interface JobSummary {
  name: string;
  version: number;
  desiredState: "RUNNING" | "STOPPED";
  state: LifecycleState;
  reason?: string;
  flinkJobId: string | null;
  flinkState: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobDetail extends JobSummary {
  description?: string;
  spec: Record<string, unknown>;
  sql: CompiledStatement[];
  secretNames: string[];
  savepoints: Savepoint[];
  exceptions: Array<{ timestamp: string; message: string }>;
  operation: Operation | null;
  lastOperation: Operation | null;
  versions: Array<{ version: number; status: "accepted" | "rejected"; createdAt: string }>;
  runs: Array<{ flinkJobId: string; version: number; restoredFrom: string | null; submittedAt: string }>;
  duplicates: string[];
}

export interface JobList {
  jobs: JobSummary[];
  strays: Array<{ flinkJobId: string; pipelineName: string; state: string }>;
}

export interface DryRun {
  dryRun: true;
  name: string;
  sql: CompiledStatement[];
  plan: string;
  secretNames: string[];
}

export interface JobEvent {
  id: number;
  at: string;
  type: string;
  message: string;
  data: Record<string, unknown> | null;
}
