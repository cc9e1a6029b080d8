import { type CompiledJob, compileJob, type JobSpec, SpecValidationError } from "@sluice/flink-jobs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/**
 * Property: whatever names and literals a spec holds (quotes, backticks,
 * semicolons, newlines, comment markers, unicode), the compiler either rejects
 * it with a SpecValidationError or emits exactly the intended statements: no
 * input can add, split or comment out a statement.
 */

type Token = { kind: "literal" | "identifier" | "semicolon" | "comment" | "other"; text: string };

/** A small SQL tokenizer: '...' literals and `...` identifiers (doubled quotes escape), `;`, comment markers. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === "`") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated ${ch} at ${i} in: ${sql}`);
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      tokens.push({ kind: ch === "'" ? "literal" : "identifier", text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (ch === ";") {
      tokens.push({ kind: "semicolon", text: ch });
      i++;
    } else if (sql.startsWith("--", i) || sql.startsWith("/*", i)) {
      tokens.push({ kind: "comment", text: sql.slice(i, i + 2) });
      i += 2;
    } else {
      tokens.push({ kind: "other", text: ch });
      i++;
    }
  }
  return tokens;
}

/** Splits at top-level semicolons. */
function splitStatements(sql: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (const token of tokenize(sql)) {
    if (token.kind === "semicolon") {
      parts.push(current);
      current = "";
    } else current += token.text;
  }
  parts.push(current);
  return parts;
}

const nasty = fc.constantFrom(
  "a`b",
  "x'y",
  "a;b",
  "--",
  "/*",
  "*/",
  "a\nb",
  "tab\there",
  "\u0000",
  "ü名前🙂",
  "`",
  "'",
  "'; DROP TABLE x; --",
  "`; DROP TABLE x; --",
  " a ",
  "",
  "${secret:X}",
  "END; BEGIN",
  "a''b",
  "a``b",
  "\\",
);
/** Valid but hostile text (quotes, semicolons, comment markers, unicode) is the most interesting: weight it up. */
const validButHostile = fc.constantFrom(
  "it's",
  "a;b",
  "--x",
  "/*y*/",
  "名前🙂",
  "a''b",
  "END",
  "x'); DROP TABLE y; --",
  "a b",
);
const text = fc.oneof(
  { arbitrary: validButHostile, weight: 6 },
  { arbitrary: nasty, weight: 2 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 8 }), weight: 1 },
);

const specArb = fc.record({
  source: text,
  sink: text,
  view: text,
  column: text,
  value: text,
  pattern: text,
  printId: text,
  rawText: text,
  configValue: text,
  withRaw: fc.boolean(),
  withConfig: fc.boolean(),
});

type SpecParams = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

function buildSpec(p: SpecParams): unknown {
  const column = (name: string) => ({ kind: "physical", name, type: { kind: "STRING" } });
  const inserts: unknown[] = [
    {
      into: p.sink,
      query: {
        kind: "select",
        from: { kind: "table", name: p.view },
        select: [{ expr: { kind: "column", name: p.column } }],
      },
    },
  ];
  if (p.withRaw) {
    inserts.push({
      into: p.sink,
      query: {
        kind: "raw",
        parts: [
          "SELECT ",
          { kind: "columnRef", name: p.column },
          " FROM ",
          { kind: "tableRef", name: p.source },
          ` WHERE 1 = 1${p.rawText}`,
        ],
      },
    });
  }
  return {
    name: "fuzz",
    kafka: { bootstrapServers: "kafka:9092" },
    config: p.withConfig ? { "table.local-time-zone": p.configValue } : {},
    tables: [
      {
        name: p.source,
        columns: [column(p.column)],
        connector: { kind: "kafka", topic: "in", format: { kind: "json" }, errorPolicy: "fail" },
      },
      { name: p.sink, columns: [column(p.column)], connector: { kind: "print", printIdentifier: p.printId } },
    ],
    views: [
      {
        name: p.view,
        query: {
          kind: "select",
          from: { kind: "table", name: p.source },
          select: [{ expr: { kind: "column", name: p.column } }],
          where: {
            kind: "logical",
            op: "OR",
            operands: [
              {
                kind: "compare",
                op: "=",
                left: { kind: "column", name: p.column },
                right: { kind: "literal", value: p.value },
              },
              { kind: "like", operand: { kind: "column", name: p.column }, pattern: p.pattern },
            ],
          },
        },
      },
    ],
    inserts,
  };
}

function checkShape(job: CompiledJob, expected: { sets: number; inserts: number }): void {
  expect(job.statements.map((s) => s.kind)).toEqual([
    ...Array<string>(expected.sets).fill("set"),
    "create-table",
    "create-table",
    "create-view",
    "statement-set",
  ]);
  for (const statement of job.statements) {
    const tokens = tokenize(statement.sql);
    expect(tokens.filter((t) => t.kind === "comment")).toEqual([]);
    const parts = splitStatements(statement.sql);
    if (statement.kind !== "statement-set") {
      expect(parts).toHaveLength(1);
      continue;
    }
    // EXECUTE STATEMENT SET BEGIN <insert>; ...; END
    expect(parts).toHaveLength(expected.inserts + 1);
    expect(parts[0]?.startsWith("EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO ")).toBe(true);
    for (const insert of parts.slice(1, -1)) expect(insert.startsWith("\nINSERT INTO ")).toBe(true);
    expect(parts.at(-1)).toBe("\nEND");
  }
  const prefixes = {
    set: "SET ",
    "create-table": "CREATE TEMPORARY TABLE ",
    "create-view": "CREATE TEMPORARY VIEW ",
  };
  for (const statement of job.statements) {
    if (statement.kind in prefixes) {
      expect(statement.sql.startsWith(prefixes[statement.kind as keyof typeof prefixes])).toBe(true);
    }
  }
}

describe("no input smuggles a statement into the SQL", () => {
  it("rejects the spec or emits exactly the intended statements", () => {
    let compiled = 0;
    fc.assert(
      fc.property(specArb, (p) => {
        let job: CompiledJob;
        try {
          job = compileJob(buildSpec(p) as JobSpec);
        } catch (error) {
          expect(error).toBeInstanceOf(SpecValidationError);
          expect((error as SpecValidationError).problems.length).toBeGreaterThan(0);
          return;
        }
        compiled++;
        checkShape(job, { sets: p.withConfig ? 1 : 0, inserts: p.withRaw ? 2 : 1 });
      }),
      { numRuns: 400, seed: 20261121 },
    );
    // The property is only meaningful if a good share of the specs compile.
    expect(compiled).toBeGreaterThan(60);
  });

  it("the tokenizer itself sees through quotes", () => {
    expect(splitStatements("SELECT ';' AS `a;b`; SELECT 2")).toEqual(["SELECT ';' AS `a;b`", " SELECT 2"]);
    expect(tokenize("'it''s' -- x").map((t) => t.kind)).toContain("comment");
  });
});
