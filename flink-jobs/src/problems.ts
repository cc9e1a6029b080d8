import type { z } from "zod";

/**
 * Codes of the problems Sluice's own checks report (semantic analysis,
 * connectors, config, identifiers). Adding one here makes the exhaustive test
 * in `validate.test.ts` fail to compile until it has a case that produces it.
 */
export const SEMANTIC_PROBLEM_CODES = [
  "AGGREGATE_NOT_ALLOWED",
  "AMBIGUOUS_COLUMN",
  "CONFIG_CONFLICT",
  "CONFIG_KEY_NOT_ALLOWED",
  "CONFIG_KEY_RESERVED",
  "CONFIG_VALUE_INVALID",
  "DUPLICATE_ALIAS",
  "DUPLICATE_COLUMN",
  "DUPLICATE_NAME",
  "ERROR_POLICY_CONFLICT",
  "ERROR_POLICY_FORMAT",
  "FORMAT_NOT_AVAILABLE",
  "HAVING_WITHOUT_GROUP_BY",
  "IDENTIFIER_BACKTICK",
  "IDENTIFIER_CONTROL_CHARACTER",
  "IDENTIFIER_WHITESPACE",
  "INVALID_KEY_FIELD",
  "LITERAL_CONTROL_CHARACTER",
  "LOOKUP_CACHE_NEVER_EXPIRES",
  "LOOKUP_NOT_SUPPORTED",
  "METADATA_KEY_UNKNOWN",
  "MISSING_ALIAS",
  "MISSING_ARGUMENT",
  "MISSING_BOOTSTRAP_SERVERS",
  "MODEL_COLUMN_NOT_NUMERIC",
  "MODEL_NEEDS_APPEND_ONLY",
  "MODEL_OUTPUT_CONFLICT",
  "NOT_A_TABLE",
  "NOT_GROUPED",
  "NOT_READABLE",
  "NOT_WRITABLE",
  "NO_INSERTS",
  "NUMBER_TOO_LARGE",
  "OVER_NOT_ALLOWED",
  "OVER_ORDER_NOT_TIME_ATTRIBUTE",
  "OVER_WINDOW_MISMATCH",
  "PRIMARY_KEY_NOT_PHYSICAL",
  "PRIMARY_KEY_REQUIRED",
  "PROPERTY_NOT_ALLOWED",
  "RAW_COMMENT",
  "RAW_NOT_SINGLE_SELECT",
  "RAW_SYNTAX",
  "RAW_UNDECLARED_TABLE",
  "RESERVED_TEXT",
  "SINK_COLUMN_COUNT",
  "SINK_NEEDS_APPEND_ONLY",
  "SINK_NEEDS_PRIMARY_KEY",
  "SINK_TYPE_MISMATCH",
  "TEMPORAL_JOIN_NOT_VERSIONED",
  "TEMPORAL_JOIN_TIME",
  "TIME_FIELD_IS_NAME",
  "TOO_DEEP",
  "TOPIC_CONFLICT",
  "TYPE_MISMATCH",
  "UNKNOWN_COLUMN",
  "UNKNOWN_COLUMNS",
  "UNKNOWN_TABLE",
  "UNNEST_COLUMN_COUNT",
  "UNNEST_NOT_ARRAY",
  "VIEW_CYCLE",
  "WATERMARK_NOT_TIMESTAMP",
  "WINDOW_GROUP_BY",
  "WINDOW_NOT_TIME_ATTRIBUTE",
  "WINDOW_SIZE_NOT_MULTIPLE",
  "WRONG_ARGUMENT_COUNT",
] as const;
export type SemanticProblemCode = (typeof SEMANTIC_PROBLEM_CODES)[number];

/** Codes of the schema (zod) problems: zod's issue codes, upper-cased. */
export type SchemaProblemCode = Uppercase<z.core.$ZodIssueCode>;
const SCHEMA_PROBLEM_CODE_LIST: { [K in SchemaProblemCode]: true } = {
  INVALID_TYPE: true,
  TOO_BIG: true,
  TOO_SMALL: true,
  INVALID_FORMAT: true,
  NOT_MULTIPLE_OF: true,
  UNRECOGNIZED_KEYS: true,
  INVALID_UNION: true,
  INVALID_KEY: true,
  INVALID_ELEMENT: true,
  INVALID_VALUE: true,
  CUSTOM: true,
};
export const SCHEMA_PROBLEM_CODES = Object.keys(SCHEMA_PROBLEM_CODE_LIST) as SchemaProblemCode[];

/** Every code a {@link SpecProblem} can carry. */
export type ProblemCode = SemanticProblemCode | SchemaProblemCode;
export const PROBLEM_CODES: readonly ProblemCode[] = [...SEMANTIC_PROBLEM_CODES, ...SCHEMA_PROBLEM_CODES];

const KNOWN_CODES: ReadonlySet<string> = new Set(PROBLEM_CODES);
export function isProblemCode(code: string): code is ProblemCode {
  return KNOWN_CODES.has(code);
}

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
  code: ProblemCode;
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
