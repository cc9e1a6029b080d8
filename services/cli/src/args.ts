import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

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
      wait: boolean;
    }
  | { kind: "ls" }
  | { kind: "get"; name: string }
  | { kind: "stop"; name: string; mode: "savepoint" | "cancel"; drain: boolean; wait: boolean }
  /** `from`: "latest" (default), "none" (`--no-savepoint`) or a savepoint path. */
  | { kind: "start"; name: string; from: string; wait: boolean }
  | { kind: "savepoint"; name: string; wait: boolean }
  | { kind: "events"; name: string; after?: number | undefined; limit?: number | undefined }
  | { kind: "rm"; name: string; mode: "savepoint" | "cancel"; wait: boolean };

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

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string];

const GLOBAL_OPTIONS = {
  "api-url": { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} satisfies Record<string, OptionSpec>;

const COMMAND_OPTIONS = {
  export: { type: "string" },
  param: { type: "string", multiple: true },
  explain: { type: "boolean" },
  stateless: { type: "boolean" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  drain: { type: "boolean" },
  cancel: { type: "boolean" },
  "from-savepoint": { type: "string" },
  "no-savepoint": { type: "boolean" },
  after: { type: "string" },
  limit: { type: "string" },
} satisfies Record<string, OptionSpec>;

type CommandOption = keyof typeof COMMAND_OPTIONS;

interface CommandHelp {
  args: string;
  summary: string;
  options: Partial<Record<CommandOption, string>>;
}

const PARAM_HELP = "pass name=value to the job factory (repeatable; JSON values, else strings)";
const WAIT_HELP = "poll until the operation ends (exit 1 if it fails)";
const TIMEOUT_HELP = "with --wait: give up after this many seconds (default 600)";

/** Every command, its arguments and its own options: the source of the help text and of validation. */
export const COMMANDS: Record<CommandKind, CommandHelp> = {
  plan: {
    args: "<job.ts>",
    summary: "compile a job definition, ask Flink to EXPLAIN it, and diff it against the deployed version",
    options: {
      export: "use this export of the file (default: its default export, else its only job)",
      param: PARAM_HELP,
      explain: "also print Flink's plan",
    },
  },
  apply: {
    args: "<job.ts>",
    summary: "create the job, or upgrade it when the deployed spec differs",
    options: {
      export: "use this export of the file (default: its default export, else its only job)",
      param: PARAM_HELP,
      stateless: "upgrade with empty state instead of the upgrade savepoint",
      wait: WAIT_HELP,
      timeout: TIMEOUT_HELP,
    },
  },
  ls: { args: "", summary: "list jobs with their state", options: {} },
  get: { args: "<name>", summary: "show a job: state, savepoints, exceptions, compiled SQL", options: {} },
  stop: {
    args: "<name>",
    summary: "stop a job with a savepoint",
    options: {
      drain: "emit MAX_WATERMARK first (ends event-time windows)",
      cancel: "cancel without a savepoint",
      wait: WAIT_HELP,
      timeout: TIMEOUT_HELP,
    },
  },
  start: {
    args: "<name>",
    summary: "start a stopped job from its latest savepoint",
    options: {
      "from-savepoint": "restore from this savepoint path (one Sluice recorded)",
      "no-savepoint": "start with empty state",
      wait: WAIT_HELP,
      timeout: TIMEOUT_HELP,
    },
  },
  savepoint: {
    args: "<name>",
    summary: "trigger a savepoint of a running job",
    options: { wait: WAIT_HELP, timeout: TIMEOUT_HELP },
  },
  events: {
    args: "<name>",
    summary: "show a job's event log",
    options: { after: "only events with a larger id", limit: "at most this many events (1-1000)" },
  },
  rm: {
    args: "<name>",
    summary: "stop (with a savepoint) and delete a job",
    options: {
      cancel: "cancel instead of stopping with a savepoint",
      wait: WAIT_HELP,
      timeout: TIMEOUT_HELP,
    },
  },
};

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

  const target = rest[0] as string;
  const wait = values.wait === true;
  const mode = values.cancel === true ? "cancel" : "savepoint";
  switch (first) {
    case "plan":
      return {
        command: {
          kind: "plan",
          file: target,
          exportName: values.export,
          params: jobParams(values.param, first),
          explain: values.explain === true,
        },
        options,
      };
    case "apply":
      return {
        command: {
          kind: "apply",
          file: target,
          exportName: values.export,
          params: jobParams(values.param, first),
          stateless: values.stateless === true,
          wait,
        },
        options,
      };
    case "ls":
      return { command: { kind: "ls" }, options };
    case "get":
      return { command: { kind: "get", name: target }, options };
    case "stop":
      if (values.drain === true && values.cancel === true) {
        throw new UsageError(
          "--drain and --cancel exclude each other (a cancel takes no savepoint to drain into)",
          first,
        );
      }
      return { command: { kind: "stop", name: target, mode, drain: values.drain === true, wait }, options };
    case "start": {
      const from = values["from-savepoint"];
      if (from !== undefined && values["no-savepoint"] === true) {
        throw new UsageError("--from-savepoint and --no-savepoint exclude each other", first);
      }
      if (from === "") throw new UsageError("--from-savepoint needs a savepoint path", first);
      return {
        command: {
          kind: "start",
          name: target,
          from: values["no-savepoint"] === true ? "none" : (from ?? "latest"),
          wait,
        },
        options,
      };
    }
    case "savepoint":
      return { command: { kind: "savepoint", name: target, wait }, options };
    case "events":
      return {
        command: {
          kind: "events",
          name: target,
          after: values.after === undefined ? undefined : nonNegativeInteger(values.after, "--after", first),
          limit: values.limit === undefined ? undefined : positiveInteger(values.limit, "--limit", first),
        },
        options,
      };
    case "rm":
      return { command: { kind: "rm", name: target, mode, wait }, options };
    default: {
      const never: never = first;
      throw new UsageError(`unknown command "${String(never)}"`);
    }
  }
}

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

/** The help text: the overview, or one command's usage and options. */
export function helpText(topic?: CommandKind): string {
  if (topic !== undefined) {
    const help = COMMANDS[topic];
    const lines = [
      `usage: sluice ${topic}${help.args === "" ? "" : ` ${help.args}`} [options]`,
      "",
      help.summary,
    ];
    const entries = Object.entries(help.options);
    if (entries.length > 0) {
      lines.push("", "options:");
      for (const [flag, text] of entries)
        lines.push(`  --${flagWithValue(flag as CommandOption).padEnd(24)} ${text}`);
    }
    lines.push("", GLOBAL_HELP);
    return `${lines.join("\n")}\n`;
  }
  const lines = ["usage: sluice <command> [options]", "", "commands:"];
  for (const [kind, help] of Object.entries(COMMANDS)) {
    lines.push(`  ${`${kind} ${help.args}`.padEnd(20)} ${help.summary}`);
  }
  lines.push("", GLOBAL_HELP, "", "Run `sluice <command> --help` for a command's options.", "", EXIT_HELP);
  return `${lines.join("\n")}\n`;
}

function flagWithValue(flag: CommandOption): string {
  const spec: OptionSpec = COMMAND_OPTIONS[flag];
  if (spec.type !== "string") return flag;
  const placeholder: Partial<Record<CommandOption, string>> = {
    export: "<name>",
    param: "<name=value>",
    timeout: "<seconds>",
    "from-savepoint": "<path>",
    after: "<id>",
    limit: "<n>",
  };
  return `${flag} ${placeholder[flag] ?? "<value>"}`;
}

const GLOBAL_HELP = [
  "global options:",
  `  --api-url <url>          the Sluice API (env SLUICE_API_URL, default ${DEFAULT_API_URL})`,
  "  --token <token>          bearer token for mutating routes (env SLUICE_API_TOKEN; prefer the env:",
  "                           arguments are visible to other users in `ps`)",
  "  --json                   print the API's JSON (errors: problem+json on stderr)",
  "  -h, --help               show help",
].join("\n");

const EXIT_HELP = [
  "exit codes: 0 ok, 1 API error (or a waited-for operation failed), 2 usage error (or a job file",
  "that cannot be loaded), 3 API unreachable.",
].join("\n");
