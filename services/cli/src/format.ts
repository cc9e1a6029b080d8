import type {
  CompiledStatement,
  DryRun,
  Job,
  JobEvent,
  JobList,
  Operation,
  StateCompatibility,
} from "@sluice/api-client";
import { ApiProblemError, ApiUnreachableError } from "@sluice/api-client";
import { CliError, JobFileError, UsageError } from "./errors.ts";
import { conditionSummary, flowLines } from "./flow-format.ts";

/**
 * Human output of the CLI. Pure functions from API documents to text, so tests compare strings
 * and `--json` never passes through here.
 */

/** Compiled statements as one SQL script, each ended with `;` and separated by a blank line. */
export function sqlScript(statements: readonly CompiledStatement[]): string {
  if (statements.length === 0) return "";
  return `${statements.map((s) => `${s.sql.trimEnd().replace(/;$/, "")};`).join("\n\n")}\n`;
}

/** A fixed-width table; the last column is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/**
 * `sluice ls`; below the table, each job's reason and its conditions that are not True.
 *
 * @example
 * NAME     VERSION  STATE    DESIRED  FLINK JOB                         UPDATED
 * orders   2        RUNNING  RUNNING  5f1c0d9e3e2b4a8f9c6d7e8f9a0b1c2d  2026-01-01T00:00:00.000Z
 */
export function formatJobList(list: JobList): string {
  let out =
    list.jobs.length === 0
      ? "No jobs.\n"
      : table(
          ["NAME", "VERSION", "STATE", "DESIRED", "FLINK JOB", "UPDATED"],
          list.jobs.map((j) => [
            j.name,
            String(j.version),
            j.state,
            j.desiredState,
            j.flinkJobId ?? "-",
            j.updatedAt,
          ]),
        );
  const reasons = list.jobs.filter((j) => j.reason !== undefined && j.reason !== "");
  for (const job of reasons) out += `  ${job.name}: ${job.reason}\n`;
  for (const job of list.jobs) {
    const off = conditionSummary(job.conditions);
    if (off !== "ok" && off !== "-") out += `  ${job.name}: ${off}\n`;
  }
  if (list.strays.length > 0) {
    out += "\nStray Flink jobs (named sluice/* but unknown to this API; left untouched):\n";
    out += table(
      ["FLINK JOB", "PIPELINE NAME", "STATE"],
      list.strays.map((s) => [s.flinkJobId, s.pipelineName, s.state]),
    );
  }
  return out;
}

/** `sluice get`: state first, then history, then the SQL. */
export function formatJobDetail(job: Job): string {
  const lines = [
    `Job:          ${job.name}${job.description ? ` (${job.description})` : ""}`,
    `Version:      ${job.version}`,
    `State:        ${job.state}${job.reason ? ` (${job.reason})` : ""}`,
    `Desired:      ${job.desiredState}`,
    `Flink job:    ${job.flinkJobId ?? "-"}${job.flinkState ? ` (${job.flinkState})` : ""}`,
    `Updated:      ${job.updatedAt}`,
  ];
  if (job.operation) lines.push(`Operation:    ${formatOperation(job.operation)}`);
  if (job.lastOperation && job.lastOperation.id !== job.operation?.id) {
    lines.push(`Last op:      ${formatOperation(job.lastOperation)}`);
  }
  if (job.secretNames.length > 0) lines.push(`Secrets:      ${job.secretNames.join(", ")}`);
  if (job.duplicates.length > 0)
    lines.push(`Duplicates:   ${job.duplicates.join(", ")} (other Flink jobs with this name)`);
  lines.push(...flowLines(job));
  if (job.savepoints.length > 0) {
    lines.push("", "Savepoints (newest first):");
    for (const sp of job.savepoints)
      lines.push(`  ${sp.createdAt}  v${sp.version}  ${sp.reason.padEnd(8)} ${sp.path}`);
  }
  if (job.exceptions.length > 0) {
    lines.push("", "Recent exceptions:");
    for (const e of job.exceptions) lines.push(`  ${e.timestamp}  ${firstLine(e.message)}`);
  }
  lines.push("", "SQL:", indent(sqlScript(job.sql)));
  return `${lines.join("\n").trimEnd()}\n`;
}

export function formatOperation(op: Operation): string {
  return `#${op.id} ${op.kind} ${op.status}${op.error ? `: ${op.error}` : ""}`;
}

/** `sluice events`. */
export function formatEvents(events: readonly JobEvent[]): string {
  if (events.length === 0) return "No events.\n";
  return table(
    ["ID", "AT", "TYPE", "MESSAGE"],
    events.map((e) => [String(e.id), e.at, e.type, firstLine(e.message)]),
  );
}

/** What `sluice plan` found. */
export interface PlanResult {
  name: string;
  dryRun: DryRun;
  /** `null`: the job does not exist yet. */
  deployed: { version: number; state: string } | null;
  specChanged: boolean;
  /** Unified diff of the deployed SQL and the new SQL; `""` when equal. */
  sqlDiff: string;
  /** For a savepoint upgrade: what it does to the state (the API's state check). */
  stateCompatibility?: StateCompatibility | null | undefined;
}

export function formatPlan(plan: PlanResult, options: { explain: boolean }): string {
  const lines: string[] = [];
  lines.push(`Job ${plan.name}: compiled, and Flink accepted the plan (EXPLAIN).`, "");
  lines.push("SQL:", indent(sqlScript(plan.dryRun.sql)));
  if (plan.dryRun.secretNames.length > 0) {
    lines.push(`Secrets needed at submission: ${plan.dryRun.secretNames.join(", ")}`, "");
  }
  if (options.explain) lines.push("Flink plan:", indent(`${plan.dryRun.plan.trimEnd()}\n`));
  if (plan.deployed === null) {
    lines.push(`Not deployed yet: \`sluice apply\` creates "${plan.name}" as version 1.`);
  } else {
    const { version, state } = plan.deployed;
    if (!plan.specChanged) {
      lines.push(`No change: the spec equals deployed version ${version} (${state}).`);
    } else {
      lines.push(
        `The spec differs from deployed version ${version} (${state}): \`sluice apply\` upgrades it.`,
      );
      lines.push(
        plan.sqlDiff === "" ? "The compiled SQL is the same." : `SQL diff:\n${plan.sqlDiff.trimEnd()}`,
      );
      if (plan.stateCompatibility) lines.push("", ...formatStateCompatibility(plan.stateCompatibility));
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

const FATE_MARK: Record<StateCompatibility["operators"][number]["fate"], string> = {
  kept: "kept   ",
  dropped: "DROPPED",
  "cannot-be-restored": "LOST   ",
  unknown: "unknown",
};

/** The state check: the verdict, then each stateful operator's fate and why. */
export function formatStateCompatibility(check: StateCompatibility): string[] {
  const flag: Record<StateCompatibility["verdict"], string> = {
    compatible: "",
    "compatible-with-state-loss": " (apply with --allow-state-loss)",
    incompatible: " (apply with --stateless to start empty)",
    unknown: "",
  };
  return [
    `State: ${check.verdict}${flag[check.verdict]}: ${check.summary} [${check.elapsedMs} ms]`,
    ...check.operators.map((o) => `  ${FATE_MARK[o.fate]} ${o.operator}: ${o.reason}`),
    ...check.added.map((o) => `  new     ${o.operator}: starts empty`),
  ];
}

/**
 * An error for stderr: the message, then each problem as a `path: message` line, then a hint.
 *
 * @example
 * Error: Invalid job specification (INVALID_SPEC, HTTP 400): The job specification has 2 problem(s)
 *   tables[0].columns[0].type: unknown type NOPE
 *   tables[1]: unrecognized key "colums"
 */
export function formatError(error: unknown, options: { hasToken: boolean }): string {
  if (error instanceof ApiProblemError) {
    const p = error.problem;
    const lines = [`Error: ${p.title} (${p.code}, HTTP ${p.status}): ${p.detail}`];
    for (const item of p.problems ?? []) lines.push(`  ${item.path}: ${item.message}`);
    if (p.tried && p.tried.length > 0) lines.push(`  tried: ${p.tried.join(", ")}`);
    if (p.status === 401) {
      lines.push(
        options.hasToken
          ? "The API rejected the token."
          : "This route needs a token: set SLUICE_API_TOKEN (or pass --token).",
      );
    }
    return `${lines.join("\n")}\n`;
  }
  if (error instanceof JobFileError) {
    const lines = [`Error: ${error.message}`];
    for (const item of error.problems) lines.push(`  ${item.path}: ${item.message}`);
    return `${lines.join("\n")}\n`;
  }
  if (error instanceof ApiUnreachableError) {
    return `Error: ${error.message}\nIs the API running? Set --api-url or SLUICE_API_URL.\n`;
  }
  if (error instanceof UsageError) {
    return `sluice: ${error.message}\n`;
  }
  if (error instanceof CliError) return `Error: ${error.message}\n`;
  return `Error: ${error instanceof Error ? error.message : String(error)}\n`;
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n");
}
