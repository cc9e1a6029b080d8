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
import { ApiUnreachableError, type ProblemItem, SluiceClientError } from "@sluice/api-client";

export type { ProblemItem };

export const EXIT_CODES = { ok: 0, apiError: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

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

/** `--wait` saw the operation end in failure, or gave up waiting for it. */
export class OperationFailedError extends CliError {
  override readonly name = "OperationFailedError";
  readonly exitCode = EXIT_CODES.apiError;
}

/** The exit code an error ends the process with: the CLI's own carry theirs, the API client's map here. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ApiUnreachableError) return EXIT_CODES.unreachable;
  return EXIT_CODES.apiError;
}

/** An error this CLI or its API client raises on purpose (anything else is a bug). */
export function isExpectedError(error: unknown): error is CliError | SluiceClientError {
  return error instanceof CliError || error instanceof SluiceClientError;
}
