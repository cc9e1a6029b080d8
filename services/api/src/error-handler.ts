import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError, type ApiErrorCode, type Problem, problemDocument } from "./errors.ts";
import { FlinkError } from "./flink/port.ts";

/**
 * Maps any error into the API's family: its own errors as they are, the Flink port's and
 * Fastify's by code, anything else a 500 INTERNAL (logged, never shown with its stack).
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FlinkError) return fromFlinkError(error);
  return (
    fromFastifyError(error) ??
    new ApiError("INTERNAL", "An internal error occurred; it has been logged", { cause: error })
  );
}

function fromFlinkError(error: FlinkError): ApiError {
  const options = { cause: error, retryable: error.retryable };
  switch (error.code) {
    case "FLINK_UNREACHABLE":
      return new ApiError("FLINK_UNREACHABLE", `Flink did not answer: ${error.message}`, {
        ...options,
        extra: { tried: error.urls },
      });
    case "SQL_ERROR":
      return new ApiError("SQL_REJECTED", error.message, options);
    default:
      return new ApiError("FLINK_ERROR", error.message, options);
  }
}

const FASTIFY_CODES: Record<string, { code: ApiErrorCode; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "MALFORMED_JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "MALFORMED_JSON" },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: "PAYLOAD_TOO_LARGE",
    detail: "The request body is larger than the configured limit",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "UNSUPPORTED_MEDIA_TYPE",
    detail: "Send JSON with 'Content-Type: application/json'",
  },
  FST_ERR_CTP_INVALID_CONTENT_TYPE: {
    code: "UNSUPPORTED_MEDIA_TYPE",
    detail: "Send JSON with 'Content-Type: application/json'",
  },
};

const STATUS_CODES: Record<number, ApiErrorCode> = {
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** Fastify's own 4xx (schema validation, body parsing); `undefined` for anything else. */
function fromFastifyError(error: unknown): ApiError | undefined {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? "request";
    const problems: Problem[] = error.validation.map((issue) => ({
      path: `${where}${issue.instancePath === "/" ? "" : issue.instancePath.replaceAll("/", ".")}`,
      code: issue.keyword,
      message: issue.message ?? "invalid",
    }));
    return new ApiError("VALIDATION_FAILED", `The ${where} does not match the schema`, { problems });
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = FASTIFY_CODES[fastifyError.code ?? ""];
  if (known)
    return new ApiError(known.code, known.detail ?? fastifyError.message ?? "The body is not valid JSON");
  const status = fastifyError.statusCode;
  // The JSON parser's own SyntaxError carries statusCode 400.
  if (error instanceof SyntaxError && status === 400) return new ApiError("MALFORMED_JSON", error.message);
  if (typeof status !== "number" || status < 400 || status >= 500) return undefined;
  return new ApiError(STATUS_CODES[status] ?? "VALIDATION_FAILED", fastifyError.message ?? "Bad request");
}

export async function errorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const apiError = toApiError(error);
  if (apiError.status >= 500) {
    request.log.error({ err: error, code: apiError.code }, "request failed");
  } else {
    request.log.info({ code: apiError.code }, apiError.message);
  }
  if (apiError.code === "UNAUTHORIZED") reply.header("www-authenticate", 'Bearer realm="sluice"');
  await reply.code(apiError.status).type("application/problem+json").send(problemDocument(apiError));
}
