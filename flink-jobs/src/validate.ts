import type { z } from "zod";
import { type Analysis, analyzeSpec } from "./analyze/index.ts";
import { validateExecution } from "./checkpoints.ts";
import { validateConfig } from "./config.ts";
import { validateDeadLetters } from "./dead-letters.ts";
import { isProblemCode, type ProblemCode, type SchemaProblemCode, type SpecProblem } from "./problems.ts";
import { type JobSpec, jobSpecSchema } from "./spec.ts";
import { SECRET_PLACEHOLDER_MARKER } from "./sql-text.ts";

/** Turns a zod issue into a problem with a stable code and a readable message. */
export function fromZodIssue(issue: z.core.$ZodIssue): SpecProblem {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  const params = "params" in issue ? (issue.params as { code?: unknown } | undefined) : undefined;
  const code: ProblemCode =
    typeof params?.code === "string" && isProblemCode(params.code)
      ? params.code
      : (issue.code.toUpperCase() as SchemaProblemCode);
  let message = issue.message;
  if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator !== undefined) {
    message = `unknown or missing \`${issue.discriminator}\`: ${issue.message}`;
  }
  if (issue.code === "unrecognized_keys") {
    message = `unknown field(s): ${issue.keys.map((k) => `\`${k}\``).join(", ")} (check the spelling)`;
  }
  return { path, code, message };
}

/** Every string in the spec; the secret placeholder marker may appear in none of them. */
function findPlaceholderText(value: unknown, path: (string | number)[], out: SpecProblem[]): void {
  if (typeof value === "string") {
    if (value.includes(SECRET_PLACEHOLDER_MARKER)) {
      out.push({
        path,
        code: "RESERVED_TEXT",
        message: `text may not contain \`${SECRET_PLACEHOLDER_MARKER}\`; reference a secret with \`{ secret: "NAME" }\` in a connector property`,
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findPlaceholderText(v, [...path, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes(SECRET_PLACEHOLDER_MARKER)) {
        out.push({
          path: [...path, k],
          code: "RESERVED_TEXT",
          message: `a key may not contain \`${SECRET_PLACEHOLDER_MARKER}\``,
        });
      }
      findPlaceholderText(v, [...path, k], out);
    }
  }
}

/** Deeper than any real spec; bounds the recursion of parsing and analysis (a stack overflow is no answer). */
export const MAX_SPEC_DEPTH = 100;

/** The path of the first value nested deeper than {@link MAX_SPEC_DEPTH}, found without recursion. */
function tooDeep(input: unknown): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (path.length > MAX_SPEC_DEPTH) return path;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) stack.push({ value: v, path: [...path, i] });
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
    }
  }
  return undefined;
}

/** Validation that also returns the analysis the compiler reuses. */
export function validateWithAnalysis(
  input: unknown,
): { ok: true; spec: JobSpec; analysis: Analysis } | { ok: false; problems: SpecProblem[] } {
  const deep = tooDeep(input);
  if (deep !== undefined) {
    return {
      ok: false,
      problems: [
        {
          path: deep.slice(0, MAX_SPEC_DEPTH),
          code: "TOO_DEEP",
          message: `the spec nests deeper than ${MAX_SPEC_DEPTH} levels here; split the expression or query into views`,
        },
      ],
    };
  }
  const parsed = jobSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(fromZodIssue) };
  const spec = parsed.data;
  const problems: SpecProblem[] = [];
  findPlaceholderText(spec, [], problems);
  problems.push(...validateConfig(spec.config));
  problems.push(...validateExecution(spec));
  const analysis = analyzeSpec(spec);
  problems.push(...analysis.problems);
  problems.push(...validateDeadLetters(spec));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, spec, analysis };
}

/**
 * Validates a job spec: the schema (shape, names, types) and the semantics
 * (tables, columns and types resolve, sinks fit their queries, options are
 * allowed). Every problem carries the JSON path of what it is about.
 *
 * @example
 * const result = validateJob(JSON.parse(body));
 * if (!result.ok) reply.code(422).send({ problems: result.problems });
 */
export function validateJob(
  input: unknown,
): { ok: true; spec: JobSpec } | { ok: false; problems: SpecProblem[] } {
  const result = validateWithAnalysis(input);
  return result.ok ? { ok: true, spec: result.spec } : result;
}
