/**
 * One thing wrong with a job spec: where (a JSON path into the spec), a stable
 * machine code, and a message written for the person who wrote the spec.
 *
 * @example
 * { path: ["inserts", 0, "query", "where", "right"], code: "TYPE_MISMATCH",
 *   message: "cannot compare `temperature` (DOUBLE) with a string" }
 */
export interface SpecProblem {
  path: (string | number)[];
  code: string;
  message: string;
}

export type SpecPath = (string | number)[];

/** Renders a path the way people read it: `inserts[0].query.where`. */
export function formatPath(path: SpecPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out === "" ? "(spec)" : out;
}

/**
 * Thrown by `compileJob` for a spec that does not validate. `problems` holds
 * every problem found, each with its JSON path.
 *
 * @example
 * try { compileJob(spec) } catch (e) {
 *   if (e instanceof SpecValidationError) console.log(e.problems.map((p) => p.message));
 * }
 */
export class SpecValidationError extends Error {
  override readonly name = "SpecValidationError";
  readonly code = "INVALID_SPEC";
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[]) {
    const first = problems[0];
    super(
      first === undefined
        ? "invalid job spec"
        : `invalid job spec: ${formatPath(first.path)}: ${first.message}${
            problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ""
          }`,
    );
    this.problems = problems;
  }
}
