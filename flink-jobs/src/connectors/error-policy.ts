import type { SpecPath, SpecProblem } from "../problems.ts";
import type { TableContext } from "./connector.ts";
import type { Format } from "./formats.ts";

/** The error-policy fields of a Kafka or filesystem table (see `kafkaSchema`, `filesystemSchema`). */
export interface ErrorPolicyConfig {
  format: Format;
  errorPolicy?: "dead-letter" | "skip" | "fail" | undefined;
  deadLetterTopic?: string | undefined;
  required?: string[] | undefined;
}

/** The formats with an error policy: `sluice-json` and `sluice-csv` wrap them (flink-jobs/functions). */
export const ERROR_POLICY_FORMATS = ["json", "csv"] as const;

export function hasErrorPolicy(format: Format): format is Extract<Format, { kind: "json" | "csv" }> {
  return (ERROR_POLICY_FORMATS as readonly string[]).includes(format.kind);
}

/**
 * Problems with a table's error policy: only JSON and CSV have one (the `sluice-json` and
 * `sluice-csv` formats), `fail` contradicts `ignoreParseErrors`, a dead-letter topic needs
 * `dead-letter`, and required columns must exist.
 */
export function validateErrorPolicy(
  config: ErrorPolicyConfig,
  table: TableContext,
  path: SpecPath,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const policy = config.errorPolicy;
  if (policy !== undefined && policy !== "fail" && !hasErrorPolicy(config.format)) {
    problems.push({
      path: [...path, "errorPolicy"],
      code: "ERROR_POLICY_FORMAT",
      message: `error policy '${policy}' needs a JSON or CSV format (this table's is '${config.format.kind}'); use 'fail' or format 'json' or 'csv'`,
    });
  }
  if (policy === "fail" && hasErrorPolicy(config.format) && config.format.ignoreParseErrors === true) {
    problems.push({
      path: [...path, "format", "ignoreParseErrors"],
      code: "ERROR_POLICY_CONFLICT",
      message:
        "ignoreParseErrors drops bad records silently, which contradicts errorPolicy 'fail'; remove it, or use errorPolicy 'skip' (counted)",
    });
  }
  if (config.deadLetterTopic !== undefined && (policy ?? "dead-letter") !== "dead-letter") {
    problems.push({
      path: [...path, "deadLetterTopic"],
      code: "ERROR_POLICY_CONFLICT",
      message: `a dead-letter topic needs errorPolicy 'dead-letter' (this table's is '${policy}')`,
    });
  }
  (config.required ?? []).forEach((name, i) => {
    if (!table.columns.some((c) => c.name === name)) {
      problems.push({
        path: [...path, "required", i],
        code: "UNKNOWN_COLUMN",
        message: `required column \`${name}\` is not a column of table \`${table.tableName}\``,
      });
    }
  });
  return problems;
}
