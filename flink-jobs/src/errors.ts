import { formatPath, type SpecProblem } from "./problems.ts";

/** Codes of the errors `@sluice/flink-jobs` throws. */
export type FlinkJobsErrorCode = "INVALID_SPEC" | "MISSING_SECRET";

/**
 * The one error root of `@sluice/flink-jobs`: a stable `code`, whether retrying
 * the same call could succeed (never, for a spec), and the HTTP status an API
 * answering with it should use.
 *
 * @example
 * if (error instanceof FlinkJobsError) reply.code(error.status).send({ code: error.code });
 */
export class FlinkJobsError extends Error {
  override readonly name: string = "FlinkJobsError";
  readonly code: FlinkJobsErrorCode;
  readonly retryable: boolean = false;
  readonly status: number;

  constructor(code: FlinkJobsErrorCode, message: string, options: { status: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/**
 * Thrown by `compileJob` (and `defineJob`) for a spec that does not validate.
 * `problems` holds every problem found, each with its JSON path.
 *
 * @example
 * try { compileJob(spec) } catch (e) {
 *   if (e instanceof SpecValidationError) console.log(e.problems.map((p) => p.message));
 * }
 */
export class SpecValidationError extends FlinkJobsError {
  override readonly name = "SpecValidationError";
  override readonly code = "INVALID_SPEC";
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[]) {
    const first = problems[0];
    super(
      "INVALID_SPEC",
      first === undefined
        ? "invalid job spec"
        : `invalid job spec: ${formatPath(first.path)}: ${first.message}${
            problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ""
          }`,
      { status: 422 },
    );
    this.problems = problems;
  }
}

/**
 * Thrown by `resolveSecrets` when a referenced secret has no value. Names the
 * secret, never any value.
 */
export class MissingSecretError extends FlinkJobsError {
  override readonly name = "MissingSecretError";
  override readonly code = "MISSING_SECRET";
  readonly secretName: string;

  constructor(secretName: string) {
    super("MISSING_SECRET", `secret \`${secretName}\` is referenced by the job but has no value`, {
      status: 422,
    });
    this.secretName = secretName;
  }
}
