import { describe, expect, it } from "vitest";
import { overRows } from "../test/fixtures.ts";
import { type Expr, renderExpr } from "./expressions.ts";

const c = (name: string, table?: string): Expr => ({ kind: "column", name, table });
const l = (value: string | number | boolean | null): Expr => ({ kind: "literal", value });

describe("renderExpr: one golden per expression kind", () => {
  const cases: [string, Expr, string][] = [
    ["column", c("temperature"), "`temperature`"],
    ["qualified column", c("id", "r"), "`r`.`id`"],
    ["string literal with quote", l("it's"), "'it''s'"],
    ["integer literal", l(100), "100"],
    ["negative literal", l(-2.5), "(-2.5)"],
    ["huge double", l(1e21), "1e+21"],
    ["boolean literal", l(true), "TRUE"],
    ["null literal", l(null), "NULL"],
    [
      "typed literal",
      { kind: "literal", value: null, type: { kind: "DECIMAL", precision: 10, scale: 2 } },
      "CAST(NULL AS DECIMAL(10, 2))",
    ],
    ["interval", { kind: "interval", value: 5, unit: "MINUTE" }, "INTERVAL '5' MINUTE"],
    ["compare", { kind: "compare", op: ">", left: c("t"), right: l(1) }, "`t` > 1"],
    [
      "logical",
      { kind: "logical", op: "OR", operands: [l(true), { kind: "not", operand: l(false) }] },
      "TRUE OR (NOT FALSE)",
    ],
    ["not", { kind: "not", operand: c("ok") }, "NOT `ok`"],
    [
      "arithmetic nests with parentheses",
      {
        kind: "arithmetic",
        op: "-",
        left: c("a"),
        right: { kind: "arithmetic", op: "-", left: c("b"), right: l(-1) },
      },
      "`a` - (`b` - (-1))",
    ],
    ["is null", { kind: "isNull", operand: c("a") }, "`a` IS NULL"],
    ["is not null", { kind: "isNull", operand: c("a"), negated: true }, "`a` IS NOT NULL"],
    ["like", { kind: "like", operand: c("s"), pattern: "%o'k%" }, "`s` LIKE '%o''k%'"],
    [
      "not in",
      { kind: "in", operand: c("s"), values: [l("a"), l("b")], negated: true },
      "`s` NOT IN ('a', 'b')",
    ],
    ["between", { kind: "between", operand: c("x"), low: l(1), high: l(2) }, "`x` BETWEEN 1 AND 2"],
    [
      "case",
      { kind: "case", whens: [{ when: c("ok"), result: l(1) }], else: l(0) },
      "CASE WHEN `ok` THEN 1 ELSE 0 END",
    ],
    ["cast", { kind: "cast", operand: c("x"), to: { kind: "BIGINT" } }, "CAST(`x` AS BIGINT)"],
    ["try cast", { kind: "cast", operand: c("x"), to: { kind: "INT" }, try: true }, "TRY_CAST(`x` AS INT)"],
    [
      "call",
      { kind: "call", fn: "DATE_FORMAT", args: [c("ts"), l("yyyy-MM-dd")] },
      "DATE_FORMAT(`ts`, 'yyyy-MM-dd')",
    ],
    ["current timestamp", { kind: "call", fn: "CURRENT_TIMESTAMP", args: [] }, "CURRENT_TIMESTAMP"],
    [
      "timestampadd",
      { kind: "timestampAdd", unit: "HOUR", amount: l(2), operand: c("ts") },
      "TIMESTAMPADD(HOUR, 2, `ts`)",
    ],
    ["count(*)", { kind: "aggregate", fn: "COUNT" }, "COUNT(*)"],
    [
      "count distinct",
      { kind: "aggregate", fn: "COUNT", arg: c("u"), distinct: true },
      "COUNT(DISTINCT `u`)",
    ],
    [
      "over rows",
      overRows("AVG", c("t"), c("ts"), 9, [c("d")]),
      "AVG(`t`) OVER (PARTITION BY `d` ORDER BY `ts` ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)",
    ],
    [
      "over range",
      {
        kind: "over",
        fn: "SUM",
        arg: c("t"),
        partitionBy: [],
        orderBy: c("ts"),
        frame: { kind: "range", preceding: { value: 1, unit: "HOUR" } },
      },
      "SUM(`t`) OVER (ORDER BY `ts` RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)",
    ],
    [
      "over unbounded",
      {
        kind: "over",
        fn: "MAX",
        arg: c("t"),
        partitionBy: [c("d")],
        orderBy: c("ts"),
        frame: { kind: "range", preceding: "UNBOUNDED" },
      },
      "MAX(`t`) OVER (PARTITION BY `d` ORDER BY `ts` RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
    ],
  ];
  it.each(cases)("%s", (_name, expr, sql) => {
    expect(renderExpr(expr)).toBe(sql);
  });
});
