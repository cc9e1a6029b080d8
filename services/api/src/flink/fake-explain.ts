import type { CompiledStatement } from "@sluice/flink-jobs";

/**
 * The checks the fake Flink's `explain` makes, the ones Flink's planner makes first: every
 * statement's kind is known and matches its SQL; brackets and quotes balance; a statement set
 * (or insert) comes last and is the only one that starts a job; every relation a statement reads
 * or writes (`FROM`, `JOIN`, `INSERT INTO`, `TABLE`) was declared by an earlier `CREATE TEMPORARY
 * TABLE`/`VIEW`. Returns the problems found (none: the plan would be made). Column and type
 * checks are left to the integration tests against the real Flink.
 */
export function explainProblems(statements: readonly CompiledStatement[]): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  statements.forEach((statement, index) => {
    const at = `statement ${index + 1} (${statement.kind})`;
    const lead = LEADS[statement.kind];
    if (lead === undefined) {
      problems.push(`${at}: unknown statement kind`);
      return;
    }
    const code = withoutLiterals(statement.sql);
    if (!lead.test(code)) problems.push(`${at}: the SQL does not start as a ${statement.kind} does`);
    problems.push(...unbalanced(code).map((p) => `${at}: ${p}`));
    const starts = statement.kind === "insert" || statement.kind === "statement-set";
    if (starts !== (index === statements.length - 1)) {
      problems.push(
        `${at}: ${starts ? "only the last statement may start the job" : "the last statement must start the job"}`,
      );
    }
    for (const name of references(code)) {
      if (!declared.has(name)) problems.push(`${at}: Object '${name}' not found`);
    }
    const created = declaredName(code);
    if (created !== undefined) declared.add(created);
  });
  return problems;
}

const LEADS: Record<CompiledStatement["kind"], RegExp> = {
  set: /^\s*SET '/,
  "create-function":
    /^\s*CREATE TEMPORARY FUNCTION IF NOT EXISTS (?:`[^`]+`|\w+) AS '[^']*' LANGUAGE JAVA USING JAR '/,
  "create-table": /^\s*CREATE TEMPORARY TABLE `/,
  "create-view": /^\s*CREATE TEMPORARY VIEW `/,
  insert: /^\s*INSERT INTO `/,
  "statement-set": /^\s*EXECUTE STATEMENT SET\s+BEGIN\b[\s\S]*\bEND;?\s*$/,
};

/** The SQL with its string literals emptied (`'a(b'` -> `''`), so their text is not read as code. */
function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

function unbalanced(code: string): string[] {
  const problems: string[] = [];
  if ((code.match(/`/g) ?? []).length % 2 !== 0) problems.push("unbalanced backquotes");
  if ((code.match(/'/g) ?? []).length % 2 !== 0) problems.push("an unterminated string literal");
  let depth = 0;
  for (const char of code.replace(/`(?:[^`]|``)*`/g, "``")) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (depth < 0) break;
  }
  if (depth !== 0) problems.push("unbalanced parentheses");
  return problems;
}

/** Relations read or written: the quoted name after FROM, JOIN, INSERT INTO or TABLE. */
function references(code: string): string[] {
  const names: string[] = [];
  for (const match of code.matchAll(/\b(?:FROM|JOIN|INSERT INTO|TABLE)\s+`((?:[^`]|``)+)`/g)) {
    if (match[1] !== undefined) names.push(match[1]);
  }
  // Its own name is a declaration, not a reference.
  const created = declaredName(code);
  const own = created === undefined ? -1 : names.indexOf(created);
  if (own >= 0) names.splice(own, 1);
  return names;
}

/** The relation a `CREATE TEMPORARY TABLE`/`VIEW` declares. */
function declaredName(code: string): string | undefined {
  return /^\s*CREATE TEMPORARY (?:TABLE|VIEW) `((?:[^`]|``)+)`/.exec(code)?.[1];
}
