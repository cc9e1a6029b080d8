/**
 * The model server's errors. Those answered over HTTP carry what OpenAI's error body
 * needs (`{"error":{"message","type","param","code"}}`), taken from one table by code.
 */

/** How each HTTP error is answered: status, OpenAI's error `type`, and OpenAI's `code`. */
const HTTP_ERRORS = {
  missing_api_key: { status: 401, type: "invalid_request_error", wireCode: null },
  invalid_api_key: { status: 401, type: "invalid_request_error", wireCode: "invalid_api_key" },
  body_too_large: { status: 413, type: "invalid_request_error", wireCode: null },
  invalid_json: { status: 400, type: "invalid_request_error", wireCode: null },
  invalid_body: { status: 400, type: "invalid_request_error", wireCode: null },
  bad_task: { status: 400, type: "invalid_request_error", wireCode: null },
  stream_unsupported: { status: 400, type: "invalid_request_error", wireCode: null },
  model_not_found: { status: 404, type: "invalid_request_error", wireCode: "model_not_found" },
  not_found: { status: 404, type: "invalid_request_error", wireCode: null },
  rate_limited: { status: 429, type: "requests", wireCode: "rate_limit_exceeded" },
  server_error: { status: 500, type: "server_error", wireCode: null },
  overloaded: { status: 503, type: "server_error", wireCode: null },
} as const satisfies Record<string, { status: number; type: string; wireCode: string | null }>;

/** Codes of errors answered over HTTP. */
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** Every code of the model server's errors. */
export type ModelServerErrorCode = HttpErrorCode | "config_invalid";

/** Codes a client may retry after (the server, not the request, was the problem). */
const RETRYABLE: ReadonlySet<ModelServerErrorCode> = new Set(["rate_limited", "server_error", "overloaded"]);

/**
 * The root of the model server's errors: a stable `code`, `retryable`, `cause`, and for
 * errors answered over HTTP the `status` and OpenAI-shaped body.
 *
 * @example throw new ModelServerError("model_not_found", "The model 'x' does not exist")
 */
export class ModelServerError extends Error {
  readonly code: ModelServerErrorCode;
  readonly retryable: boolean;
  /** HTTP status; undefined for errors never answered over HTTP (configuration). */
  readonly status: number | undefined;
  /** OpenAI's `param`: the request field at fault. */
  readonly param: string | null;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers: Record<string, string>;
  readonly #type: string | undefined;

  constructor(
    code: ModelServerErrorCode,
    message: string,
    options: { param?: string | null; headers?: Record<string, string>; type?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ModelServerError";
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.status = code === "config_invalid" ? undefined : HTTP_ERRORS[code].status;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.#type = options.type;
  }

  /** OpenAI's error body for this error. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    const http = this.code === "config_invalid" ? undefined : HTTP_ERRORS[this.code];
    return {
      error: {
        message: this.message,
        type: this.#type ?? http?.type ?? "server_error",
        param: this.param,
        code: http?.wireCode ?? null,
      },
    };
  }
}
