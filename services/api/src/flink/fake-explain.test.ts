import { type CompiledStatement, compileJob } from "@sluice/flink-jobs";
import { flagshipJobs } from "@sluice/flink-jobs/jobs";
import { describe, expect, it } from "vitest";
import { explainProblems } from "./fake-explain.ts";

const table = (name: string): CompiledStatement => ({
  kind: "create-table",
  sql: `CREATE TEMPORARY TABLE \`${name}\` (\`x\` INT) WITH ('connector' = 'datagen')`,
});
const insert = (into: string, from: string): CompiledStatement => ({
  kind: "statement-set",
  sql: `EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO \`${into}\` SELECT \`x\` FROM \`${from}\`;\nEND;`,
});

describe("the fake Flink's explain checks", () => {
  const specs = new Map(flagshipJobs().map((spec) => [spec.name, spec]));
  it.each([...specs])("accepts the compiled statements of %s", (_name, spec) => {
    expect(explainProblems(compileJob(spec).statements)).toEqual([]);
  });

  const cases: Array<[string, CompiledStatement[], RegExp]> = [
    ["a relation never declared", [table("a"), insert("b", "a")], /statement 2 .*Object 'b' not found/],
    ["a relation declared after its use", [insert("b", "a"), table("a"), table("b")], /'a' not found/],
    [
      "an unknown statement kind",
      [table("a"), { kind: "drop" as CompiledStatement["kind"], sql: "DROP TABLE `a`" }, insert("a", "a")],
      /unknown statement kind/,
    ],
    [
      "a kind that does not match its SQL",
      [{ ...table("a"), kind: "create-view" }, insert("a", "a")],
      /does not start/,
    ],
    ["no statement that starts the job", [table("a")], /the last statement must start the job/],
    ["a job started before the end", [table("a"), insert("a", "a"), table("b")], /only the last statement/],
    [
      "unbalanced parentheses",
      [{ kind: "create-table", sql: "CREATE TEMPORARY TABLE `a` (`x` INT" }, insert("a", "a")],
      /unbalanced parentheses/,
    ],
  ];
  it.each(cases)("rejects %s", (_label, statements, problem) => {
    expect(explainProblems(statements).join("\n")).toMatch(problem);
  });

  it("does not read string literals as code", () => {
    const literal: CompiledStatement = { kind: "set", sql: "SET 'pipeline.name' = 'FROM `nowhere` ('" };
    expect(explainProblems([literal, table("a"), insert("a", "a")])).toEqual([]);
  });
});
