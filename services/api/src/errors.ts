/**
 * The API's one error family. Every failure a client can see is an {@link ApiError} with a
 * stable `code`; the error handler in `app.ts` turns it into `application/problem+json`
 * (RFC 9457). Clients switch on `code`, never on `detail`.
 *
 * @example
 * ```ts
 * throw new ApiError("JOB_NOT_FOUND", `No job named "orders"`);
 * // => 404 {"type":"https://sluice.dev/problems/job-not-found","title":"Job not found","status":404,
 * //         "code":"JOB_NOT_FOUND","detail":"No job named \"orders\""}
 * ```
 */
export const API_ERRORS = {
  VALIDATION_FAILED: { status: 400, title: "Request validation failed" },
  INVALID_SPEC: { status: 400, title: "Invalid job specification" },
  MALFORMED_JSON: { status: 400, title: "Malformed JSON body" },
  UNKNOWN_SAVEPOINT: { status: 400, title: "Savepoint not recorded by Sluice" },
  UNAUTHORIZED: { status: 401, title: "Missing or invalid bearer token" },
  NOT_FOUND: { status: 404, title: "Route not found" },
  JOB_NOT_FOUND: { status: 404, title: "Job not found" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed on this path" },
  JOB_EXISTS: { status: 409, title: "A job with this name already exists with another spec" },
  NAME_MISMATCH: { status: 409, title: "The spec's name differs from the URL's" },
  OPERATION_IN_PROGRESS: { status: 409, title: "Another operation is in progress for this job" },
  JOB_NOT_RUNNING: { status: 409, title: "The job is not running" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported content type" },
  SECRET_NOT_CONFIGURED: { status: 422, title: "A secret the job references is not configured" },
  SQL_REJECTED: { status: 422, title: "Flink rejected the compiled SQL" },
  FLINK_ERROR: { status: 502, title: "Flink answered with an error" },
  FLINK_UNREACHABLE: { status: 503, title: "Flink is unreachable" },
  KAFKA_UNREACHABLE: { status: 503, title: "Kafka is unreachable" },
  NOT_IMPLEMENTED: { status: 501, title: "Not implemented" },
  INTERNAL: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

/** One problem in a request body, with its JSON path (`tables[0].columns[2].type`). */
export interface Problem {
  path: string;
  code: string;
  message: string;
}

export interface ApiErrorOptions {
  problems?: Problem[];
  /** Extra, safe-to-show members of the problem document (e.g. the URLs that were tried). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly problems: Problem[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ApiErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.problems = options.problems;
    this.extra = options.extra;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** The problem+json document for an error code. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  problems?: Problem[];
  [extra: string]: unknown;
}

export function problemDocument(error: ApiError): ProblemDocument {
  const { status, title } = API_ERRORS[error.code];
  return {
    ...error.extra,
    type: `https://sluice.dev/problems/${error.code.toLowerCase().replaceAll("_", "-")}`,
    title,
    status,
    code: error.code,
    detail: error.message,
    ...(error.problems ? { problems: error.problems } : {}),
  };
}

/** Renders a zod-style path (`["tables", 0, "name"]`) as `tables[0].name`. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "$" : out;
}
