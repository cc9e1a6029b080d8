/**
 * The one error family of `@sluice/flink-client`.
 *
 * Every failure the client reports is a {@link FlinkClientError} with a stable
 * `code`, so callers (the API's problem+json handler, the reconciler) switch on
 * the code and never on message text.
 *
 * @example
 * ```ts
 * try {
 *   await client.gateway.runStatement("SELECT * FROM nope");
 * } catch (err) {
 *   if (isFlinkClientError(err) && err.code === "SQL_ERROR") {
 *     console.log(err.flinkMessage); // "... Object 'nope' not found"
 *   }
 * }
 * ```
 */
export const FLINK_CLIENT_ERROR_CODES = [
  /** No TCP connection (refused, reset, DNS); `url` and `attempts` say what was tried. */
  "FLINK_UNREACHABLE",
  /** A request or a polling loop ran past its time bound. */
  "FLINK_TIMEOUT",
  /** Flink answered 502/503/504 (restarting, leader election, proxy in front). */
  "FLINK_UNAVAILABLE",
  /** Flink rejected the statement (parse, validation, planning or submission failed). */
  "SQL_ERROR",
  /** The SQL Gateway session does not exist (expired, closed, gateway restarted). */
  "SESSION_NOT_FOUND",
  /** No job with that id on the cluster. */
  "JOB_NOT_FOUND",
  /** The job already reached a terminal state (e.g. cancelling a FINISHED job). */
  "JOB_NOT_RUNNING",
  /** A savepoint (or stop-with-savepoint) did not complete. */
  "SAVEPOINT_FAILED",
  /** An operation ended in a state other than success for a reason that is not the SQL itself. */
  "OPERATION_FAILED",
  /** Flink refused the request (a 4xx that has no more specific code). */
  "REQUEST_REJECTED",
  /** Flink answered with a body whose shape the client does not understand. */
  "BAD_RESPONSE",
] as const;

export type FlinkClientErrorCode = (typeof FLINK_CLIENT_ERROR_CODES)[number];

/** Codes that describe a transient condition: the same request may succeed later. */
const RETRYABLE_CODES: ReadonlySet<FlinkClientErrorCode> = new Set([
  "FLINK_UNREACHABLE",
  "FLINK_TIMEOUT",
  "FLINK_UNAVAILABLE",
]);

export interface FlinkClientErrorOptions {
  /** HTTP status Flink answered with, when there was an answer. */
  status?: number;
  /** Flink's own message, reduced to its meaningful line (see {@link extractFlinkMessage}). */
  flinkMessage?: string;
  /** Flink's full `errors` array (Java stack traces), for logs that want everything. */
  flinkErrors?: readonly string[];
  /** The URL of the request that failed (no query string secrets: the client never puts any there). */
  url?: string;
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** Whether the request was certainly not processed by Flink (the connection never opened). */
  notSent?: boolean;
  /** Overrides the default derived from the code. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * A failure talking to Flink (REST API or SQL Gateway).
 *
 * @example
 * ```ts
 * throw new FlinkClientError("JOB_NOT_FOUND", "Job 1234 not found", { status: 404 });
 * ```
 */
export class FlinkClientError extends Error {
  override readonly name = "FlinkClientError";
  readonly code: FlinkClientErrorCode;
  readonly status: number | undefined;
  readonly flinkMessage: string | undefined;
  readonly flinkErrors: readonly string[] | undefined;
  readonly url: string | undefined;
  readonly retryable: boolean;
  readonly notSent: boolean;
  /** Set by the retry policy when it gives up. */
  attempts: number;

  constructor(code: FlinkClientErrorCode, message: string, options: FlinkClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.flinkMessage = options.flinkMessage;
    this.flinkErrors = options.flinkErrors;
    this.url = options.url;
    this.attempts = options.attempts ?? 1;
    this.notSent = options.notSent ?? false;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
  }

  /** A plain object for structured logs and problem+json bodies (no stack traces, no causes). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      flinkMessage: this.flinkMessage,
      url: this.url,
      attempts: this.attempts,
      retryable: this.retryable,
    };
  }
}

/** Type guard for {@link FlinkClientError}. */
export function isFlinkClientError(value: unknown): value is FlinkClientError {
  return value instanceof FlinkClientError;
}

/** A function applied to every Flink message before it is put in an error (e.g. to mask credentials). */
export type Redact = (message: string) => string;

/**
 * Wrapper exceptions whose message says nothing about the actual problem; the
 * extractor skips them when a more specific line exists.
 */
const GENERIC_MESSAGES = [
  /^Internal server error\.?$/i,
  /^Failed to fetchResults\.?$/i,
  /^Failed to execute the operation [0-9a-f-]+\.?$/i,
  /^Failed to execute the statement\.?$/i,
  /^Failed to execute sql\.?$/i,
  /^Operation [0-9a-f-]+ failed.*$/i,
  /^Could not execute SQL statement\.?$/i,
];

/** One `Exception: message` line (first line of a trace or a `Caused by:` line). */
const EXCEPTION_LINE =
  /^(?:Caused by: )?(?:<Exception on server side:\s*)?([\w$.]+(?:Exception|Error|Throwable))(?:: (.*))?$/;

function isGeneric(message: string): boolean {
  return GENERIC_MESSAGES.some((pattern) => pattern.test(message.trim()));
}

/**
 * Reduces Flink's `errors` array (usually "Internal server error." followed by a
 * long Java stack trace) to the line a human needs.
 *
 * It collects every exception line (`x.y.SomeException: message` and each
 * `Caused by:`), takes the deepest cause with a message, and prefers an outer
 * message that already contains it, because the outer one carries context
 * ("SQL validation failed. From line 1, column 15 to line 1, column 18: Object 'nope' not found").
 *
 * @example
 * ```ts
 * extractFlinkMessage(["Internal server error.", "<Exception on server side:\n...Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found\n\tat ..."]);
 * // => "... Object 'nope' not found"
 * ```
 */
export function extractFlinkMessage(errors: readonly string[]): string | undefined {
  const messages: string[] = [];
  const plainLines: string[] = [];
  for (const error of errors) {
    const lines = error.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? "").trim();
      if (line === "" || line.startsWith("at ") || line.startsWith("...")) continue;
      const match = EXCEPTION_LINE.exec(line);
      if (match) {
        let message = match[2] ?? "";
        // A message may continue on the following lines until the stack frames start.
        while (i + 1 < lines.length) {
          const next = (lines[i + 1] ?? "").trim();
          if (
            next === "" ||
            next.startsWith("at ") ||
            next.startsWith("Caused by:") ||
            next.startsWith("...")
          )
            break;
          message = message === "" ? next : `${message} ${next}`;
          i++;
        }
        // Wrapped exceptions repeat the inner class name: "x.SqlGatewayException: Failed to fetchResults."
        message = message.replace(/^(?:[\w$.]+(?:Exception|Error|Throwable): )+/, "");
        if (message !== "") messages.push(message);
      } else if (!line.startsWith("<") && !line.endsWith(">")) {
        plainLines.push(line);
      }
    }
  }
  const meaningful = messages.filter((m) => !isGeneric(m));
  const deepest = meaningful.at(-1);
  if (deepest !== undefined) {
    return meaningful.find((m) => m.includes(deepest) && m !== deepest) ?? deepest;
  }
  return plainLines.find((line) => !isGeneric(line)) ?? plainLines[0] ?? messages[0];
}
