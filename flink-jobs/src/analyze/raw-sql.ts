import type { ProblemCode, SpecPath } from "../problems.ts";
import type { RawPart } from "../query.ts";
import type { AnalysisState } from "./state.ts";
import type { Relation } from "./types.ts";

type RawToken =
  | { kind: "word" | "punct" | "literal" | "identifier" | "number"; text: string; part: number }
  | { kind: "ref"; text: string; part: number; ref: Exclude<RawPart, string> };

/**
 * A small tokenizer for raw SELECTs: it understands '...' literals (with ''),
 * `...` identifiers (with ``), and rejects comments, whose end-of-line
 * semantics could hide the rest of a statement set.
 */
export function tokenizeRaw(
  parts: RawPart[],
): { tokens: RawToken[] } | { error: string; code: ProblemCode; part: number } {
  const tokens: RawToken[] = [];
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as RawPart;
    if (typeof part !== "string") {
      tokens.push({ kind: "ref", text: part.name, part: p, ref: part });
      continue;
    }
    let i = 0;
    while (i < part.length) {
      const ch = part[i] as string;
      if (/\s/.test(ch)) {
        i++;
      } else if (ch === "'" || ch === "`") {
        let j = i + 1;
        for (;;) {
          if (j >= part.length) {
            return {
              error: `unterminated ${ch === "'" ? "string literal" : "quoted identifier"} (each text piece must close its own quotes)`,
              code: "RAW_SYNTAX",
              part: p,
            };
          }
          if (part[j] === ch) {
            if (part[j + 1] === ch) j += 2;
            else break;
          } else j++;
        }
        tokens.push({ kind: ch === "'" ? "literal" : "identifier", text: part.slice(i, j + 1), part: p });
        i = j + 1;
      } else if (part.startsWith("--", i) || part.startsWith("/*", i)) {
        return { error: "comments are not allowed in a raw query", code: "RAW_COMMENT", part: p };
      } else if (/[A-Za-z_]/.test(ch)) {
        let j = i;
        while (j < part.length && /[A-Za-z0-9_$]/.test(part[j] as string)) j++;
        tokens.push({ kind: "word", text: part.slice(i, j), part: p });
        i = j;
      } else if (/[0-9]/.test(ch)) {
        let j = i;
        while (j < part.length && /[0-9.eE]/.test(part[j] as string)) j++;
        tokens.push({ kind: "number", text: part.slice(i, j), part: p });
        i = j;
      } else {
        tokens.push({ kind: "punct", text: ch, part: p });
        i++;
      }
    }
  }
  return { tokens };
}

/** Words before `(` that do not make it a function call. */
const NOT_CALLS: ReadonlySet<string> = new Set([
  "SELECT",
  "FROM",
  "JOIN",
  "IN",
  "EXISTS",
  "AS",
  "ON",
  "WHERE",
  "AND",
  "OR",
  "NOT",
  "LATERAL",
  "UNION",
  "ALL",
  "ANY",
  "SOME",
  "BY",
  "HAVING",
]);

/** Checks a raw SELECT: one statement, no comments, only declared tables (interpolated), known columns. */
export function checkRaw(a: AnalysisState, parts: RawPart[], path: SpecPath): void {
  const tokens = tokenizeRaw(parts);
  if ("error" in tokens) {
    a.report([...path, "parts", tokens.part], tokens.code, tokens.error);
    return;
  }
  const list = tokens.tokens;
  const firstToken = list[0];
  if (firstToken === undefined || firstToken.kind !== "word" || firstToken.text.toUpperCase() !== "SELECT") {
    a.report(
      [...path, "parts", 0],
      "RAW_NOT_SINGLE_SELECT",
      "a raw query must be one SELECT statement (start with SELECT)",
    );
  }
  const referenced = checkTableRefs(a, list, path);
  checkColumnRefs(a, list, referenced, path);
}

/**
 * Walks the tokens tracking parentheses: what follows FROM, JOIN, TABLE (and a
 * comma in a FROM list) must be an interpolated table; reports a `;`. Returns
 * the tables the query references.
 */
function checkTableRefs(a: AnalysisState, list: RawToken[], path: SpecPath): string[] {
  const referenced: string[] = [];
  let depth = 0;
  const fromDepths: number[] = [];
  // Parentheses opened by a function call: a FROM inside them is an argument
  // keyword (EXTRACT(HOUR FROM ts), TRIM(BOTH ' ' FROM s)), not a table reference.
  const callDepths = new Set<number>();
  const expectTable = (index: number) => {
    const next = list[index];
    if (next === undefined) return;
    if (next.kind === "ref") return;
    if (next.kind === "punct" && next.text === "(") return;
    if (next.kind === "word" && ["LATERAL", "UNNEST", "TABLE"].includes(next.text.toUpperCase())) return;
    a.report(
      [...path, "parts", next.part],
      "RAW_UNDECLARED_TABLE",
      `a raw query may only read declared tables and views, interpolated as \${table}; found \`${next.text}\``,
    );
  };
  list.forEach((token, i) => {
    if (token.kind === "punct") {
      if (token.text === ";") {
        a.report(
          [...path, "parts", token.part],
          "RAW_NOT_SINGLE_SELECT",
          "a raw query must be a single statement: remove the `;`",
        );
      } else if (token.text === "(") {
        depth++;
        const previous = list[i - 1];
        if (previous?.kind === "word" && !NOT_CALLS.has(previous.text.toUpperCase())) callDepths.add(depth);
      } else if (token.text === ")") {
        while (fromDepths.length > 0 && (fromDepths.at(-1) ?? 0) >= depth) fromDepths.pop();
        callDepths.delete(depth);
        depth--;
      } else if (token.text === "," && fromDepths.at(-1) === depth) expectTable(i + 1);
      return;
    }
    if (token.kind === "ref") {
      if (token.ref.kind === "tableRef") {
        referenced.push(token.ref.name);
        a.readable(token.ref.name, [...path, "parts", token.part, "name"]);
      }
      return;
    }
    if (token.kind !== "word") return;
    const word = token.text.toUpperCase();
    if (word === "FROM" && callDepths.has(depth)) return;
    if (word === "FROM") {
      fromDepths.push(depth);
      expectTable(i + 1);
    } else if (word === "JOIN" || word === "TABLE") expectTable(i + 1);
    else if (["WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "WINDOW", "ON"].includes(word)) {
      if (fromDepths.at(-1) === depth) fromDepths.pop();
    }
  });
  return referenced;
}

/** Column references of a raw query must exist in the tables it names (when their columns are known). */
function checkColumnRefs(a: AnalysisState, list: RawToken[], referenced: string[], path: SpecPath): void {
  for (const token of list) {
    if (token.kind !== "ref" || token.ref.kind !== "columnRef") continue;
    const ref = token.ref;
    const owners = ref.table !== undefined ? [ref.table] : referenced;
    const known = owners.map((name) => a.relations.get(name)).filter((r): r is Relation => r !== undefined);
    if (known.length === 0 || known.some((r) => r.columns === null)) continue;
    if (!known.some((r) => r.columns?.some((c) => c.name === ref.name))) {
      a.report(
        [...path, "parts", token.part, "name"],
        "UNKNOWN_COLUMN",
        `no column \`${ref.name}\` in ${owners.map((o) => `\`${o}\``).join(", ")}`,
      );
    }
  }
}
