import type { ParseArgsConfig } from "node:util";
import type { CommandKind } from "./args.ts";

/**
 * Every command of `sluice`, its argument and its own options, with their help: the source of
 * the help text and of the option check in `args.ts`.
 */

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string];

export const GLOBAL_OPTIONS = {
  "api-url": { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} satisfies Record<string, OptionSpec>;

export const COMMAND_OPTIONS = {
  export: { type: "string" },
  param: { type: "string", multiple: true },
  explain: { type: "boolean" },
  stateless: { type: "boolean" },
  "allow-state-loss": { type: "boolean" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  drain: { type: "boolean" },
  cancel: { type: "boolean" },
  "from-savepoint": { type: "string" },
  "no-savepoint": { type: "boolean" },
  after: { type: "string" },
  limit: { type: "string" },
  interval: { type: "string" },
  once: { type: "boolean" },
} satisfies Record<string, OptionSpec>;

export type CommandOption = keyof typeof COMMAND_OPTIONS;

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
    summary:
      "compile a job definition, ask Flink to EXPLAIN it, diff it against the deployed version and say what an upgrade does to its state",
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
      "allow-state-loss":
        "accept an upgrade that drops the state Flink cannot map (verdict compatible-with-state-loss)",
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
  top: {
    args: "",
    summary: "a live table of jobs: in/out rates, lag, dead letters, checkpoint age, conditions",
    options: {
      interval: "refresh every this many seconds (default 2)",
      once: "print one screen and exit (--json prints once too)",
    },
  },
};

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
    interval: "<seconds>",
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
