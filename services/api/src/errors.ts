import type { z } from "zod";
import type { problemSchema } from "./schemas.ts";

/**
 * The API's one error family. Every failure a client can see is an {@link ApiError} with a
 * stable `code`; the error handler turns it into `application/problem+json` (RFC 9457). Clients
 * switch on `code`, never on `detail`. Errors of other packages (Flink port, Fastify) are mapped
 * into this family at the boundary (`error-handler.ts`).
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
  STATE_INCOMPATIBLE: { status: 409, title: "The new version cannot start from the job's state" },
  STATE_LOSS_NOT_ALLOWED: {
    status: 409,
    title: "The new version would drop state: allowStateLoss=true is required",
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported content type" },
  SECRET_NOT_CONFIGURED: { status: 422, title: "A secret the job references is not configured" },
  SQL_REJECTED: { status: 422, title: "Flink rejected the compiled SQL" },
  FLINK_ERROR: { status: 502, title: "Flink answered with an error" },
  FLINK_UNREACHABLE: { status: 503, title: "Flink is unreachable", retryable: true },
  KAFKA_UNREACHABLE: { status: 503, title: "Kafka is unreachable", retryable: true },
  RESULTS_DB_UNREACHABLE: { status: 503, title: "The results database is unreachable", retryable: true },
  NOT_IMPLEMENTED: { status: 501, title: "Not implemented" },
  INTERNAL: { status: 500, title: "Internal error" },
  /** At startup only: the server prints it and exits 1; no request ever sees it. */
  INVALID_CONFIG: { status: 500, title: "Invalid configuration" },
} as const satisfies Record<string, { status: number; title: string; retryable?: boolean }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

/** One problem in a request body, with its JSON path (`tables[0].columns[2].type`). */
export interface Problem {
  path: string;
  code: string;
  message: string;
}

export interface ApiErrorOptions {
  problems?: Problem[] | undefined;
  /** Extra, safe-to-show members of the problem document (e.g. the URLs that were tried). */
  extra?: Record<string, unknown> | undefined;
  /** Whether the same request may succeed later; defaults by code (unreachable dependencies). */
  retryable?: boolean | undefined;
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name: string = "ApiError";
  readonly code: ApiErrorCode;
  /** The HTTP status of the problem document. */
  readonly status: number;
  readonly retryable: boolean;
  readonly problems: Problem[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ApiErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: { status: number; retryable?: boolean } = API_ERRORS[code];
    this.code = code;
    this.status = entry.status;
    this.retryable = options.retryable ?? entry.retryable ?? false;
    this.problems = options.problems;
    this.extra = options.extra;
  }
}

/** Kafka did not answer: an operation waits for the next reconcile pass instead of failing. */
export class KafkaUnavailableError extends ApiError {
  override readonly name = "KafkaUnavailableError";
  constructor(message: string, brokers: readonly string[], cause?: unknown) {
    super("KAFKA_UNREACHABLE", message, { extra: { tried: [...brokers] }, cause });
  }
}

/** Thrown by `loadConfig`; one problem per bad environment variable (its name is the path). */
export class ConfigError extends ApiError {
  override readonly name = "ConfigError";
  constructor(problems: Problem[]) {
    super("INVALID_CONFIG", `Invalid configuration:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`, {
      problems,
    });
  }
}

/** The problem+json document of an error (its schema, `problemSchema`, is in the OpenAPI document). */
export type ProblemDocument = z.output<typeof problemSchema>;

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
