import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ApiError, type Problem, problemDocument } from "./errors.ts";
import { isFlinkError } from "./flink/port.ts";
import { KafkaUnavailableError } from "./kafka.ts";

/** Turns any error into an ApiError: known families by code, Fastify's own 4xx by code, the rest 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isFlinkError(error)) {
    if (error.code === "FLINK_UNREACHABLE") {
      return new ApiError("FLINK_UNREACHABLE", `Flink did not answer: ${error.message}`, {
        extra: { tried: error.urls },
        cause: error,
      });
    }
    if (error.code === "SQL_ERROR") return new ApiError("SQL_REJECTED", error.message, { cause: error });
    if (error.code === "JOB_NOT_FOUND") return new ApiError("FLINK_ERROR", error.message, { cause: error });
    return new ApiError("FLINK_ERROR", error.message, { cause: error });
  }
  if (error instanceof KafkaUnavailableError) {
    return new ApiError("KAFKA_UNREACHABLE", error.message, {
      extra: { tried: error.brokers },
      cause: error,
    });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? "request";
    const problems: Problem[] = error.validation.map((issue) => ({
      path: `${where}${issue.instancePath === "/" ? "" : issue.instancePath.replaceAll("/", ".")}`,
      code: issue.keyword,
      message: issue.message ?? "invalid",
    }));
    return new ApiError("VALIDATION_FAILED", `The ${where} does not match the schema`, { problems });
  }
  const fastifyError = error as Partial<FastifyError> & { type?: string };
  switch (fastifyError.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError("MALFORMED_JSON", fastifyError.message ?? "The body is not valid JSON");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("PAYLOAD_TOO_LARGE", "The request body is larger than the configured limit");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_TYPE":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send JSON with 'Content-Type: application/json'");
    default:
      break;
  }
  // The JSON parser's own SyntaxError carries statusCode 400.
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new ApiError("MALFORMED_JSON", error.message);
  }
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 404) return new ApiError("NOT_FOUND", fastifyError.message ?? "Not found");
    if (status === 413) return new ApiError("PAYLOAD_TOO_LARGE", fastifyError.message ?? "Too large");
    if (status === 415)
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", fastifyError.message ?? "Unsupported type");
    return new ApiError("VALIDATION_FAILED", fastifyError.message ?? "Bad request");
  }
  return new ApiError("INTERNAL", "An internal error occurred; it has been logged", { cause: error });
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
