import type { RateLimitInfo } from "./rate-limit.ts";

/** Why a model call failed without a usable reply. */
export type ModelErrorCode =
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "connection"
  /** 401/403/404: key, permission or model name; a configuration problem, not the record's. */
  | "provider_config"
  /** 400/413/422: the provider refused this request (e.g. too long); splitting may help. */
  | "rejected";

/** Every code of the enricher's errors. */
export type EnricherErrorCode =
  | "config_invalid"
  | "model_unavailable"
  | "chunk_not_committed"
  | "unsupported_task"
  | ModelErrorCode;

/**
 * The root of the enricher's errors: a stable `code`, whether trying again can help
 * (`retryable`), and the underlying `cause`.
 *
 * @example
 * if (error instanceof EnricherError && error.retryable) scheduleRetry();
 */
export class EnricherError<Code extends EnricherErrorCode = EnricherErrorCode> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable;
  }
}

/** One or more bad settings; the message names each variable and what is expected. */
export class ConfigError extends EnricherError<"config_invalid"> {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("config_invalid", `invalid enricher configuration:\n  - ${problems.join("\n  - ")}`, {
      retryable: false,
    });
    this.problems = problems;
  }
}

/** A task the enricher cannot run (e.g. a custom task on a client without custom support). */
export class UnsupportedTaskError extends EnricherError<"unsupported_task"> {
  constructor(message: string, cause?: unknown) {
    super("unsupported_task", message, { retryable: false, cause });
  }
}

/** A failed model call, classified for the retry policy. Only `rejected` is the request's fault. */
export class ModelCallError extends EnricherError<ModelErrorCode> {
  /** The provider's HTTP status, when it answered. */
  readonly status: number | undefined;
  readonly rateLimit: RateLimitInfo;

  constructor(
    code: ModelErrorCode,
    message: string,
    options: { status?: number; rateLimit?: RateLimitInfo; cause?: unknown } = {},
  ) {
    super(code, message, { retryable: code !== "rejected", cause: options.cause });
    this.status = options.status;
    this.rateLimit = options.rateLimit ?? {};
  }
}

/**
 * The provider stayed unavailable (rate limits, 5xx, timeouts, bad key) beyond the retry
 * time bound. Not the records' fault: nothing is dead-lettered and nothing committed;
 * the records are consumed again later.
 */
export class ModelUnavailableError extends EnricherError<"model_unavailable"> {
  constructor(cause: ModelCallError) {
    super("model_unavailable", `model unavailable after retries: ${cause.message}`, {
      retryable: true,
      cause,
    });
  }
}

/**
 * A chunk failed before its transaction committed; always safe to retry (nothing was
 * committed). `retriable` is kafkajs's spelling, which it reads to decide whether to
 * restart the consumer. Deliberately without `cause`: kafkajs judges an error by its
 * innermost cause, and the cause (e.g. INVALID_PRODUCER_EPOCH) would stop the consumer
 * for good. `fenced` tells that another producer took the chunk's transactional id.
 */
export class ChunkNotCommittedError extends EnricherError<"chunk_not_committed"> {
  readonly retriable = true;
  readonly fenced: boolean;

  constructor(error: unknown, fenced: boolean) {
    const type = kafkaErrorType(error);
    const detail = error instanceof Error ? error.message : String(error);
    super("chunk_not_committed", `chunk not committed: ${type ? `${type}: ` : ""}${detail}`, {
      retryable: true,
    });
    this.fenced = fenced;
  }
}

/** The `type` kafkajs puts on broker errors (e.g. `PRODUCER_FENCED`), if any. */
export function kafkaErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | undefined)?.type;
  return typeof type === "string" ? type : undefined;
}
