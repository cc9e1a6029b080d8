import type { CompiledStatement, EnrichmentTask } from "@sluice/flink-jobs";
import type { Problem } from "../errors.ts";

/**
 * The compiler contract of `@sluice/flink-jobs`, as the API uses it. The real implementation is
 * `sluice-compiler.ts`; unit tests may pass a fake with the same shape.
 */
export interface JobSpecLike {
  name: string;
  description?: string | undefined;
  version?: number | undefined;
}

export interface CompiledJobLike {
  name: string;
  /** SQL with secrets as `${secret:NAME}` placeholders: safe to store. */
  statements: CompiledStatement[];
  enrichmentTasks: EnrichmentTask[];
  secretNames: string[];
}

export type ValidationResult = { ok: true; spec: JobSpecLike } | { ok: false; problems: Problem[] };

export interface JobCompiler {
  validate(input: unknown): ValidationResult;
  /** Compiles a validated spec; `spec.version` is the version the API assigned to it. */
  compile(spec: JobSpecLike): CompiledJobLike;
  /** Replaces `${secret:NAME}` placeholders with values; throws when one is missing. */
  resolveSecrets(sql: string, lookup: (name: string) => string | undefined): string;
  /** Masks anything secret-looking in SQL shown to users. */
  redactSecrets(sql: string): string;
}
