/**
 * Sorting a list of SQL statements into set-up statements (DDL, USE, SET ...)
 * and the statements that start a Flink job (INSERT, EXECUTE STATEMENT SET),
 * and building the one job statement the gateway runs. Pure, no I/O.
 */

/** The first keyword(s) of a statement, skipping leading whitespace and comments. */
export function leadingKeywords(sql: string, count = 3): string[] {
  const body = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, "");
  return (body.match(/^[A-Za-z_]+(?:\s+[A-Za-z_]+)*/)?.[0] ?? "")
    .split(/\s+/)
    .filter((word) => word !== "")
    .slice(0, count)
    .map((word) => word.toUpperCase());
}

export type StatementRole = "setup" | "insert" | "statement-set";

/** Whether a statement prepares the session, inserts, or is a complete statement set. */
export function statementRole(sql: string): StatementRole {
  const [first, second, third] = leadingKeywords(sql);
  if (first === "INSERT") return "insert";
  if (first === "EXECUTE" && second === "STATEMENT" && third === "SET") return "statement-set";
  if (first === "EXECUTE" && second === "INSERT") return "insert";
  return "setup";
}

/** Removes a trailing `;` (and whitespace) so statements can be joined safely. */
export function withoutTrailingSemicolon(sql: string): string {
  return sql.replace(/[\s;]+$/, "");
}

export interface PlannedStatements {
  setup: string[];
  /** The single statement that starts the job: one INSERT or one `EXECUTE STATEMENT SET`. */
  job: string;
}

/**
 * Splits statements into set-up statements and the one statement that starts
 * the job: one INSERT stays as it is, several INSERTs become one
 * `EXECUTE STATEMENT SET`, so one call is always one Flink job.
 *
 * @example
 * ```ts
 * planStatementSet(["CREATE TABLE a (...)", "INSERT INTO b SELECT * FROM a", "INSERT INTO c SELECT * FROM a"]);
 * // => { setup: ["CREATE TABLE a (...)"],
 * //      job: "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO b SELECT * FROM a;\nINSERT INTO c SELECT * FROM a;\nEND" }
 * ```
 */
export function planStatementSet(statements: readonly string[]): PlannedStatements {
  const setup: string[] = [];
  const inserts: string[] = [];
  const sets: string[] = [];
  for (const statement of statements) {
    if (statement.trim() === "") continue;
    const role = statementRole(statement);
    if (role === "insert") inserts.push(withoutTrailingSemicolon(statement));
    else if (role === "statement-set") sets.push(withoutTrailingSemicolon(statement));
    else setup.push(withoutTrailingSemicolon(statement));
  }
  if (sets.length + (inserts.length > 0 ? 1 : 0) !== 1) {
    throw new TypeError(
      "A statement set needs either INSERT statements or exactly one EXECUTE STATEMENT SET, not both or none",
    );
  }
  const [single] = sets;
  if (single !== undefined) return { setup, job: single };
  const [onlyInsert] = inserts;
  if (inserts.length === 1 && onlyInsert !== undefined) return { setup, job: onlyInsert };
  return { setup, job: `EXECUTE STATEMENT SET\nBEGIN\n${inserts.map((s) => `${s};`).join("\n")}\nEND` };
}

/** What EXPLAIN may add to its answer (Flink's `ExplainDetail`). */
export type ExplainDetail = "ESTIMATED_COST" | "CHANGELOG_MODE" | "JSON_EXECUTION_PLAN" | "PLAN_ADVICE";

/** The EXPLAIN form of a job statement, for dry runs; `details` e.g. `["JSON_EXECUTION_PLAN"]`. */
export function explainStatement(job: string, details: readonly ExplainDetail[] = []): string {
  const explain = ["EXPLAIN", ...details].join(" ");
  const [first] = leadingKeywords(job, 1);
  if (first === "EXECUTE")
    return job.replace(/^(\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*)EXECUTE/i, `$1${explain}`);
  return `${explain} ${job}`;
}
