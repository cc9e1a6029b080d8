import { describe, expect, it } from "vitest";
import { explainStatement, planStatementSet, statementRole } from "./statement-set.ts";

describe("planStatementSet", () => {
  it("keeps a single INSERT as it is", () => {
    expect(planStatementSet(["CREATE TABLE a (x INT)", "INSERT INTO b SELECT x FROM a;"])).toEqual({
      setup: ["CREATE TABLE a (x INT)"],
      job: "INSERT INTO b SELECT x FROM a",
    });
  });

  it("wraps several INSERTs in one EXECUTE STATEMENT SET", () => {
    const plan = planStatementSet([
      "CREATE TABLE a (x INT);",
      "insert into b select x from a",
      "INSERT INTO c SELECT x FROM a",
    ]);
    expect(plan.setup).toEqual(["CREATE TABLE a (x INT)"]);
    expect(plan.job).toBe(
      "EXECUTE STATEMENT SET\nBEGIN\ninsert into b select x from a;\nINSERT INTO c SELECT x FROM a;\nEND",
    );
  });

  it("passes an explicit statement set through and rejects mixing", () => {
    const set = "EXECUTE STATEMENT SET BEGIN INSERT INTO b SELECT 1; END;";
    expect(planStatementSet([set]).job).toBe("EXECUTE STATEMENT SET BEGIN INSERT INTO b SELECT 1; END");
    expect(() => planStatementSet([set, "INSERT INTO c SELECT 1"])).toThrow(TypeError);
    expect(() => planStatementSet(["CREATE TABLE a (x INT)"])).toThrow(TypeError);
  });

  it("classifies by the first keyword after comments", () => {
    expect(statementRole("-- note\n/* x */ INSERT INTO t SELECT 1")).toBe("insert");
    expect(statementRole("CREATE TABLE `insert` (x INT)")).toBe("setup");
    expect(statementRole("execute statement set begin end")).toBe("statement-set");
  });
});

describe("explainStatement", () => {
  it("asks for the plan of the job statement", () => {
    expect(explainStatement("INSERT INTO b SELECT 1")).toBe("EXPLAIN INSERT INTO b SELECT 1");
    expect(explainStatement("EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO b SELECT 1;\nEND")).toBe(
      "EXPLAIN STATEMENT SET\nBEGIN\nINSERT INTO b SELECT 1;\nEND",
    );
  });
});
