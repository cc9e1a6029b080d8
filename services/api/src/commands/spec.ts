import { createHash } from "node:crypto";
import { formatPath, SpecValidationError } from "@sluice/flink-jobs";
import { stringify } from "safe-stable-stringify";
import type { CompiledJobLike, JobCompiler, JobSpecLike } from "../compiler/port.ts";
import { ApiError } from "../errors.ts";

/**
 * Hash of a spec without the API-assigned version, over canonical JSON (sorted keys, undefined
 * members left out), so that the same spec always hashes the same.
 */
export function specHash(spec: JobSpecLike): string {
  const { version: _version, ...rest } = spec;
  return createHash("sha256").update(stringify(rest)).digest("hex");
}

/**
 * Validates a request body and compiles it as `version` (the API assigns versions; the compiled
 * SQL carries it in default consumer group ids), or throws INVALID_SPEC with every problem's JSON
 * path. The returned spec carries the version; {@link specHash} leaves it out.
 */
export function compileSpec(
  compiler: JobCompiler,
  body: unknown,
  version: number,
): { spec: JobSpecLike; compiled: CompiledJobLike } {
  const result = compiler.validate(body);
  if (!result.ok) {
    throw new ApiError("INVALID_SPEC", `The job specification has ${result.problems.length} problem(s)`, {
      problems: result.problems,
    });
  }
  const spec = { ...result.spec, version };
  try {
    return { spec, compiled: compiler.compile(spec) };
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    throw new ApiError("INVALID_SPEC", "The job specification cannot be compiled", {
      problems: error.problems.map((p) => ({ path: formatPath(p.path), code: p.code, message: p.message })),
      cause: error,
    });
  }
}
