import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { COMMAND_OPTIONS, COMMANDS, DEFAULT_API_URL, GLOBAL_OPTIONS } from "./help.ts";

export { DEFAULT_API_URL, helpText } from "./help.ts";

/**
 * The command line, parsed into one `kind`-tagged command plus the global options.
 * `node:util` `parseArgs` does the tokenizing; this module knows which options belong to which
 * command, so `sluice start web --drain` is a usage error, not a silently ignored flag.
 */

export type Command =
  | { kind: "help"; topic?: CommandKind | undefined }
  | { kind: "version" }
  | { kind: "plan"; file: string; exportName?: string | undefined; params: JobParams; explain: boolean }
  | {
      kind: "apply";
      file: string;
      exportName?: string | undefined;
      params: JobParams;
      stateless: boolean;
      allowStateLoss: boolean;
      wait: boolean;
    }
  | { kind: "ls" }
  | { kind: "get"; name: string }
  | { kind: "stop"; name: string; mode: "savepoint" | "cancel"; drain: boolean; wait: boolean }
  /** `from`: "latest" (default), "none" (`--no-savepoint`) or a savepoint path. */
  | { kind: "start"; name: string; from: string; wait: boolean }
  | { kind: "savepoint"; name: string; wait: boolean }
  | { kind: "events"; name: string; after?: number | undefined; limit?: number | undefined }
  | { kind: "rm"; name: string; mode: "savepoint" | "cancel"; wait: boolean }
  /** `once`: one screen then exit (`--json` implies it). */
  | { kind: "top"; intervalMs: number; once: boolean };

/** Options for a job factory, from `--param name=value`. */
export type JobParams = Record<string, unknown>;

export type CommandKind = Exclude<Command["kind"], "help" | "version">;

export interface GlobalOptions {
  apiUrl: string;
  /** From `--token` or `SLUICE_API_TOKEN`; only ever put in the Authorization header. */
  token: string | undefined;
  json: boolean;
  /** How long `--wait` polls before giving up. */
  waitTimeoutMs: number;
}

export interface ParsedCommandLine {
  command: Command;
  options: GlobalOptions;
}

const isCommandKind = (value: string): value is CommandKind => Object.hasOwn(COMMANDS, value);

/**
 * Parses `argv` (without `node` and the script). Throws {@link UsageError} for anything wrong.
 *
 * @example
 * ```ts
 * parseCommandLine(["stop", "orders", "--drain", "--wait"], {});
 * // => { command: { kind: "stop", name: "orders", mode: "savepoint", drain: true, wait: true },
 * //      options: { apiUrl: "http://127.0.0.1:8080", token: undefined, json: false, waitTimeoutMs: 600000 } }
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ParsedCommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs' messages are good ("Unknown option '--frobnicate'"); drop its hint about `--`.
    const message = (error as Error).message.split(". To specify")[0] ?? String(error);
    throw new UsageError(message, firstPositional(argv));
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;

  const options: GlobalOptions = {
    apiUrl: apiUrl(values["api-url"] ?? nonEmpty(env.SLUICE_API_URL) ?? DEFAULT_API_URL),
    token: nonEmpty(values.token) ?? nonEmpty(env.SLUICE_API_TOKEN),
    json: values.json === true,
    waitTimeoutMs: 600_000,
  };

  if (first === "help") return { command: { kind: "help", topic: helpTopic(rest[0]) }, options };
  if (values.version === true && first === undefined) return { command: { kind: "version" }, options };
  if (first === undefined) {
    if (values.help === true) return { command: { kind: "help" }, options };
    throw new UsageError("missing command");
  }
  if (!isCommandKind(first)) throw new UsageError(`unknown command "${first}"`);
  if (values.help === true) return { command: { kind: "help", topic: first }, options };

  const allowed = COMMANDS[first].options;
  for (const key of Object.keys(values)) {
    if (key in COMMAND_OPTIONS && !(key in allowed)) {
      throw new UsageError(`--${key} is not an option of "sluice ${first}"`, first);
    }
  }
  const expected = COMMANDS[first].args === "" ? 0 : 1;
  if (rest.length < expected) throw new UsageError(`"sluice ${first}" needs ${COMMANDS[first].args}`, first);
  if (rest.length > expected) {
    throw new UsageError(`unexpected argument "${rest[expected]}" for "sluice ${first}"`, first);
  }
  if (values.timeout !== undefined) {
    options.waitTimeoutMs = positiveInteger(values.timeout, "--timeout", first) * 1000;
  }

  return { command: BUILDERS[first]({ target: rest[0] as string, values, command: first }), options };
}

type Values = ReturnType<typeof parse>["values"];

interface BuildInput {
  /** The command's one argument (a file or a job name); "" for `ls`. */
  target: string;
  values: Values;
  command: CommandKind;
}

/** The job file of `plan` and `apply`: its path, which export, the factory's parameters. */
const jobFile = ({ target, values, command }: BuildInput) => ({
  file: target,
  exportName: values.export,
  params: jobParams(values.param, command),
});
const wait = (v: Values) => v.wait === true;
const mode = (v: Values) => (v.cancel === true ? "cancel" : "savepoint");

/** One builder per command: a new command does not compile until it has one. */
const BUILDERS: { [K in CommandKind]: (input: BuildInput) => Extract<Command, { kind: K }> } = {
  plan: (input) => ({ kind: "plan", ...jobFile(input), explain: input.values.explain === true }),
  apply: (input) => ({
    kind: "apply",
    ...jobFile(input),
    stateless: input.values.stateless === true,
    allowStateLoss: input.values["allow-state-loss"] === true,
    wait: wait(input.values),
  }),
  ls: () => ({ kind: "ls" }),
  get: ({ target }) => ({ kind: "get", name: target }),
  stop: ({ target, values, command }) => {
    if (values.drain === true && values.cancel === true) {
      throw new UsageError(
        "--drain and --cancel exclude each other (a cancel takes no savepoint to drain into)",
        command,
      );
    }
    return {
      kind: "stop",
      name: target,
      mode: mode(values),
      drain: values.drain === true,
      wait: wait(values),
    };
  },
  start: ({ target, values, command }) => {
    const from = values["from-savepoint"];
    if (from !== undefined && values["no-savepoint"] === true) {
      throw new UsageError("--from-savepoint and --no-savepoint exclude each other", command);
    }
    if (from === "") throw new UsageError("--from-savepoint needs a savepoint path", command);
    const restoreFrom = values["no-savepoint"] === true ? "none" : (from ?? "latest");
    return { kind: "start", name: target, from: restoreFrom, wait: wait(values) };
  },
  savepoint: ({ target, values }) => ({ kind: "savepoint", name: target, wait: wait(values) }),
  events: ({ target, values, command }) => ({
    kind: "events",
    name: target,
    after: values.after === undefined ? undefined : nonNegativeInteger(values.after, "--after", command),
    limit: values.limit === undefined ? undefined : positiveInteger(values.limit, "--limit", command),
  }),
  rm: ({ target, values }) => ({ kind: "rm", name: target, mode: mode(values), wait: wait(values) }),
  top: ({ values, command }) => ({
    kind: "top",
    intervalMs:
      (values.interval === undefined ? 2 : positiveInteger(values.interval, "--interval", command)) * 1000,
    once: values.once === true || values.json === true,
  }),
};

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS },
    allowPositionals: true,
    strict: true,
  });
}

function firstPositional(argv: readonly string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith("-"));
  return first !== undefined && isCommandKind(first) ? first : undefined;
}

function helpTopic(topic: string | undefined): CommandKind | undefined {
  if (topic === undefined) return undefined;
  if (!isCommandKind(topic)) throw new UsageError(`unknown command "${topic}"`);
  return topic;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function apiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--api-url must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--api-url must be an http(s) URL, got "${value}"`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new UsageError(
      "--api-url must not contain credentials; pass the token with --token or SLUICE_API_TOKEN",
    );
  }
  return value.replace(/\/+$/, "");
}

/** `--param threshold=90 --param topic=readings` -> `{ threshold: 90, topic: "readings" }`. */
function jobParams(values: string[] | undefined, command: string): JobParams {
  const params: JobParams = {};
  for (const entry of values ?? []) {
    const match = /^([A-Za-z_$][\w$]*)=(.*)$/s.exec(entry);
    if (!match) throw new UsageError(`--param takes name=value, got "${entry}"`, command);
    const [, name, raw] = match as unknown as [string, string, string];
    if (Object.hasOwn(params, name)) throw new UsageError(`--param ${name} is given twice`, command);
    params[name] = parseParamValue(raw);
  }
  return params;
}

/** JSON when it parses (`90`, `true`, `["a"]`), the text itself otherwise (`kafka:19092`). */
function parseParamValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function positiveInteger(value: string, flag: string, command: string): number {
  const n = nonNegativeInteger(value, flag, command);
  if (n === 0) throw new UsageError(`${flag} must be a whole number above 0, got "${value}"`, command);
  return n;
}

function nonNegativeInteger(value: string, flag: string, command: string): number {
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(`${flag} must be a whole number, got "${value}"`, command);
  return Number(value);
}
