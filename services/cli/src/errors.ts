/**
 * The CLI's one error family. Each error carries the exit code the process ends with, so
 * `main.ts` never decides exit codes itself and scripts can rely on them:
 *
 * | exit | meaning                                                        |
 * | ---- | -------------------------------------------------------------- |
 * | 0    | done                                                           |
 * | 1    | the API answered with an error, or a waited-for operation failed |
 * | 2    | usage error: bad arguments, or a job file that cannot be loaded |
 * | 3    | the API is unreachable (no connection, or no answer in time)   |
 *
 * @example
 * ```ts
 * throw new UsageError("`sluice stop` needs a job name", "stop");
 * // => exit 2, message "sluice stop: `sluice stop` needs a job name" and the command's usage line
 * ```
 */
export const EXIT_CODES = { ok: 0, apiError: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** One problem of an invalid request, as the API reports it (`tables[0].columns[2].type`). */
export interface ProblemItem {
  path: string;
  code: string;
  message: string;
}

/** An `application/problem+json` document of the Sluice API (RFC 9457 plus `code`). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  problems?: ProblemItem[];
  tried?: string[];
  [extra: string]: unknown;
}

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad arguments; `command` names the subcommand whose usage is printed with the message. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  readonly exitCode = EXIT_CODES.usage;
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** A job definition file that cannot be imported or does not export a job spec. */
export class JobFileError extends CliError {
  override readonly name = "JobFileError";
  readonly exitCode = EXIT_CODES.usage;
  readonly file: string;
  /** Problems reported by the SDK's builders (`defineJob` throws them with paths). */
  readonly problems: ProblemItem[];
  constructor(file: string, message: string, options: { problems?: ProblemItem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.problems = options.problems ?? [];
  }
}

/** The API answered with an error status; `problem` is its problem+json document. */
export class ApiProblemError extends CliError {
  override readonly name = "ApiProblemError";
  readonly exitCode = EXIT_CODES.apiError;
  readonly status: number;
  readonly problem: ProblemDocument;
  constructor(problem: ProblemDocument) {
    super(problem.detail);
    this.status = problem.status;
    this.problem = problem;
  }
}

/** No connection to the API, or no answer within the request timeout. */
export class ApiUnreachableError extends CliError {
  override readonly name = "ApiUnreachableError";
  readonly exitCode = EXIT_CODES.unreachable;
  readonly url: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach the Sluice API at ${url}: ${reason}`, cause === undefined ? undefined : { cause });
    this.url = url;
  }
}

/** `--wait` saw the operation end in failure, or gave up waiting for it. */
export class OperationFailedError extends CliError {
  override readonly name = "OperationFailedError";
  readonly exitCode = EXIT_CODES.apiError;
}
