import type { components } from "./generated/openapi.ts";

/** One problem of an invalid request, as the API reports it (`tables[0].columns[2].type`). */
export interface ProblemItem {
  path: string;
  code: string;
  message: string;
}

/**
 * An `application/problem+json` document of the Sluice API (RFC 9457 plus `code`). A server in
 * front of the API that answers something else (a proxy's 502 page) gets a synthesized one with
 * the code `HTTP_<status>`.
 */
export type ProblemDocument = Omit<components["schemas"]["Problem"], "code"> & {
  code: components["schemas"]["Problem"]["code"] | `HTTP_${number}`;
  [extra: string]: unknown;
};

/** What went wrong talking to the Sluice API. */
export type SluiceClientErrorCode = "API_PROBLEM" | "API_UNREACHABLE";

/**
 * The client's one error family: the API answered an error status ({@link ApiProblemError}),
 * or it could not be reached ({@link ApiUnreachableError}). The bearer token is never part of a
 * message.
 */
export abstract class SluiceClientError extends Error {
  abstract readonly code: SluiceClientErrorCode;
  /** Trying the same request again later may succeed. */
  abstract readonly retryable: boolean;
  /** The HTTP status the API answered, when it answered. */
  abstract readonly status: number | undefined;
}

/** The API answered with an error status; `problem` is its problem+json document. */
export class ApiProblemError extends SluiceClientError {
  override readonly name = "ApiProblemError";
  readonly code = "API_PROBLEM";
  readonly status: number;
  readonly problem: ProblemDocument;
  readonly retryable: boolean;
  constructor(problem: ProblemDocument) {
    super(problem.detail);
    this.status = problem.status;
    this.problem = problem;
    // Another operation in flight (409 OPERATION_IN_PROGRESS) or Flink/Kafka away (5xx).
    this.retryable = problem.code === "OPERATION_IN_PROGRESS" || problem.status >= 502;
  }
}

/** No connection to the API, or no answer within the request timeout. */
export class ApiUnreachableError extends SluiceClientError {
  override readonly name = "ApiUnreachableError";
  readonly code = "API_UNREACHABLE";
  readonly status = undefined;
  readonly retryable = true;
  readonly url: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach the Sluice API at ${url}: ${reason}`, cause === undefined ? undefined : { cause });
    this.url = url;
  }
}

/** The API's problem document, or one synthesized from a non-API answer. */
export function asProblem(status: number, statusText: string, body: unknown): ProblemDocument {
  if (typeof body === "object" && body !== null && typeof (body as ProblemDocument).code === "string") {
    const problem = body as ProblemDocument;
    return { ...problem, status: typeof problem.status === "number" ? problem.status : status };
  }
  const title = statusText || `HTTP ${status}`;
  const text = typeof body === "string" ? body : "";
  return {
    type: "about:blank",
    title,
    status,
    code: `HTTP_${status}`,
    detail: text === "" ? title : text.slice(0, 500).trim(),
  };
}

/** A short, human reason from fetch's nested errors (`ECONNREFUSED`, timeout, DNS). */
export function connectionReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}
