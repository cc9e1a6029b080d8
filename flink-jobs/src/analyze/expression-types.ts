import type { AggregateFn, Expr } from "../expressions.ts";
import type { SpecPath } from "../problems.ts";
import { isTimestampType, type SqlType, typeFamily, widerNumeric } from "../sql-types.ts";
import { FUNCTIONS } from "./functions.ts";
import type { AnalysisState } from "./state.ts";
import { comparable, expectBoolean, expectFamily, mergeBranch } from "./type-checks.ts";
import {
  BIGINT,
  BOOLEAN,
  type ColumnInfo,
  DOUBLE,
  describeType,
  type ExprContext,
  type ExprInfo,
  INT,
  type Scope,
  STRING,
  UNKNOWN,
} from "./types.ts";
import { dispatch, type NodeHandlers } from "./visitor.ts";

/** The type (and time attribute) of an expression; reports what does not type-check. */
export function inferExpr(a: AnalysisState, expr: Expr, path: SpecPath, ctx: ExprContext): ExprInfo {
  return dispatch(EXPR_TYPES, expr, a, path, ctx);
}

function resolveColumn(
  a: AnalysisState,
  name: string,
  table: string | undefined,
  path: SpecPath,
  scope: Scope,
): ExprInfo {
  const entries = table === undefined ? scope : scope.filter((e) => e.qualifier === table);
  if (table !== undefined && entries.length === 0) {
    a.report(
      [...path, "table"],
      "UNKNOWN_TABLE",
      `\`${table}\` is not a table or alias of this query (in scope: ${scope.map((e) => e.qualifier).join(", ")})`,
    );
    return UNKNOWN;
  }
  if (entries.some((e) => e.columns === null)) return UNKNOWN;
  const matches = entries.flatMap((e) => (e.columns ?? []).filter((c) => c.name === name));
  if (matches.length === 0) {
    const available = entries.flatMap((e) => (e.columns ?? []).map((c) => c.name));
    a.report(
      [...path, "name"],
      "UNKNOWN_COLUMN",
      `no column \`${name}\`${table === undefined ? "" : ` in \`${table}\``}; available: ${available.join(", ")}`,
    );
    return UNKNOWN;
  }
  if (matches.length > 1) {
    a.report(
      [...path, "name"],
      "AMBIGUOUS_COLUMN",
      `\`${name}\` exists in several inputs; qualify it with \`table\``,
    );
    return UNKNOWN;
  }
  const match = matches[0] as ColumnInfo;
  return { type: match.type, time: match.time };
}

function aggregateInfo(
  a: AnalysisState,
  fn: AggregateFn,
  arg: Expr | undefined,
  path: SpecPath,
  ctx: ExprContext,
): ExprInfo {
  if (arg === undefined) {
    if (fn !== "COUNT") a.report(path, "MISSING_ARGUMENT", `${fn} needs an argument`);
    return { type: BIGINT };
  }
  const info = inferExpr(a, arg, [...path, "arg"], { ...ctx, aggregates: false, over: false });
  if (fn === "COUNT") return { type: BIGINT };
  if (fn === "MIN" || fn === "MAX") return { type: info.type };
  expectFamily(a, info, ["number"], [...path, "arg"], `the argument of ${fn}`);
  // Flink widens a DECIMAL sum to the maximum precision, keeping the scale: SUM(DECIMAL(12, 2)) is DECIMAL(38, 2).
  if (fn === "SUM" && info.type?.kind === "DECIMAL") return { type: { ...info.type, precision: 38 } };
  return { type: info.type };
}

function literalInfo(a: AnalysisState, e: Extract<Expr, { kind: "literal" }>, path: SpecPath): ExprInfo {
  if (e.type !== undefined) return { type: e.type };
  if (typeof e.value === "string") return { type: STRING };
  if (typeof e.value === "boolean") return { type: BOOLEAN };
  if (typeof e.value === "number") {
    if (!Number.isInteger(e.value)) return { type: DOUBLE };
    if (!Number.isSafeInteger(e.value)) {
      a.report(
        path,
        "NUMBER_TOO_LARGE",
        "integer literals must be within ±2^53; use a string with a DECIMAL type",
      );
    }
    return { type: Math.abs(e.value) <= 2147483647 ? INT : BIGINT };
  }
  return UNKNOWN;
}

function callInfo(
  a: AnalysisState,
  e: Extract<Expr, { kind: "call" }>,
  path: SpecPath,
  ctx: ExprContext,
): ExprInfo {
  const signature = FUNCTIONS[e.fn];
  if (e.args.length < signature.min || e.args.length > signature.max) {
    const expected =
      signature.min === signature.max ? `${signature.min}` : `${signature.min} to ${signature.max}`;
    a.report(
      [...path, "args"],
      "WRONG_ARGUMENT_COUNT",
      `${e.fn} takes ${expected} argument(s), got ${e.args.length}`,
    );
  }
  const types = e.args.map((arg, i) => {
    const info = inferExpr(a, arg, [...path, "args", i], ctx);
    const family = signature.args[Math.min(i, signature.args.length - 1)] ?? "any";
    if (family !== "any")
      expectFamily(a, info, [family], [...path, "args", i], `argument ${i + 1} of ${e.fn}`);
    return info.type;
  });
  if (e.fn === "CARDINALITY" && types[0] != null && !["array", "map"].includes(typeFamily(types[0]))) {
    a.report(
      [...path, "args", 0],
      "TYPE_MISMATCH",
      `CARDINALITY needs an ARRAY or MAP, got ${describeType(types[0])}`,
    );
  }
  return { type: signature.result(types), time: signature.time };
}

function arithmeticInfo(
  a: AnalysisState,
  e: Extract<Expr, { kind: "arithmetic" }>,
  path: SpecPath,
  ctx: ExprContext,
): ExprInfo {
  const left = inferExpr(a, e.left, [...path, "left"], ctx);
  const right = inferExpr(a, e.right, [...path, "right"], ctx);
  if (left.type !== null && isTimestampType(left.type) && right.interval && (e.op === "+" || e.op === "-")) {
    return { type: left.type };
  }
  expectFamily(a, left, ["number"], [...path, "left"], `the left side of \`${e.op}\``);
  expectFamily(a, right, ["number"], [...path, "right"], `the right side of \`${e.op}\``);
  if (left.interval || right.interval) {
    a.report(path, "TYPE_MISMATCH", "intervals can only be added to or subtracted from timestamps");
  }
  if (left.type === null || right.type === null) return UNKNOWN;
  return { type: widerNumeric(left.type, right.type) };
}

function caseInfo(
  a: AnalysisState,
  e: Extract<Expr, { kind: "case" }>,
  path: SpecPath,
  ctx: ExprContext,
): ExprInfo {
  let result: SqlType | null = null;
  e.whens.forEach((w, i) => {
    const at: SpecPath = [...path, "whens", i];
    expectBoolean(a, inferExpr(a, w.when, [...at, "when"], ctx), [...at, "when"], "a WHEN condition");
    const then = inferExpr(a, w.result, [...at, "result"], ctx);
    result = mergeBranch(a, result, then.type, [...at, "result"]);
  });
  if (e.else !== undefined) {
    result = mergeBranch(a, result, inferExpr(a, e.else, [...path, "else"], ctx).type, [...path, "else"]);
  }
  return { type: result };
}

function overInfo(
  a: AnalysisState,
  e: Extract<Expr, { kind: "over" }>,
  path: SpecPath,
  ctx: ExprContext,
): ExprInfo {
  if (!ctx.over) {
    a.report(
      path,
      "OVER_NOT_ALLOWED",
      "OVER aggregates may only appear in the `select` of a query without `groupBy`",
    );
  }
  const inner: ExprContext = { ...ctx, aggregates: false, over: false };
  e.partitionBy.forEach((p, i) => {
    inferExpr(a, p, [...path, "partitionBy", i], inner);
  });
  const order = inferExpr(a, e.orderBy, [...path, "orderBy"], inner);
  if (order.type !== null && order.time === undefined) {
    a.report(
      [...path, "orderBy"],
      "OVER_ORDER_NOT_TIME_ATTRIBUTE",
      "an OVER window must be ordered by a time attribute (a watermarked column or PROCTIME())",
    );
  }
  return aggregateInfo(a, e.fn, e.arg, path, inner);
}

const EXPR_TYPES: NodeHandlers<Expr, [AnalysisState, SpecPath, ExprContext], ExprInfo> = Object.freeze({
  column: (e, a, path, ctx) => resolveColumn(a, e.name, e.table, path, ctx.scope),
  literal: (e, a, path) => literalInfo(a, e, path),
  interval: () => ({ type: null, interval: true }),
  compare: (e, a, path, ctx) => {
    const left = inferExpr(a, e.left, [...path, "left"], ctx);
    const right = inferExpr(a, e.right, [...path, "right"], ctx);
    comparable(a, left, right, path, `\`${e.op}\``);
    return { type: BOOLEAN };
  },
  logical: (e, a, path, ctx) => {
    e.operands.forEach((o, i) => {
      const at: SpecPath = [...path, "operands", i];
      expectBoolean(a, inferExpr(a, o, at, ctx), at, `an operand of ${e.op}`);
    });
    return { type: BOOLEAN };
  },
  not: (e, a, path, ctx) => {
    const at: SpecPath = [...path, "operand"];
    expectBoolean(a, inferExpr(a, e.operand, at, ctx), at, "the operand of NOT");
    return { type: BOOLEAN };
  },
  arithmetic: (e, a, path, ctx) => arithmeticInfo(a, e, path, ctx),
  isNull: (e, a, path, ctx) => {
    inferExpr(a, e.operand, [...path, "operand"], ctx);
    return { type: BOOLEAN };
  },
  like: (e, a, path, ctx) => {
    const at: SpecPath = [...path, "operand"];
    expectFamily(a, inferExpr(a, e.operand, at, ctx), ["string"], at, "the operand of LIKE");
    return { type: BOOLEAN };
  },
  in: (e, a, path, ctx) => {
    const operand = inferExpr(a, e.operand, [...path, "operand"], ctx);
    e.values.forEach((v, i) => {
      const at: SpecPath = [...path, "values", i];
      comparable(a, operand, inferExpr(a, v, at, ctx), at, "IN");
    });
    return { type: BOOLEAN };
  },
  between: (e, a, path, ctx) => {
    const operand = inferExpr(a, e.operand, [...path, "operand"], ctx);
    comparable(a, operand, inferExpr(a, e.low, [...path, "low"], ctx), [...path, "low"], "BETWEEN");
    comparable(a, operand, inferExpr(a, e.high, [...path, "high"], ctx), [...path, "high"], "BETWEEN");
    return { type: BOOLEAN };
  },
  case: (e, a, path, ctx) => caseInfo(a, e, path, ctx),
  cast: (e, a, path, ctx) => {
    inferExpr(a, e.operand, [...path, "operand"], ctx);
    return { type: e.to };
  },
  call: (e, a, path, ctx) => callInfo(a, e, path, ctx),
  timestampAdd: (e, a, path, ctx) => {
    const amount = inferExpr(a, e.amount, [...path, "amount"], ctx);
    expectFamily(a, amount, ["number"], [...path, "amount"], "the amount of TIMESTAMPADD");
    const operand = inferExpr(a, e.operand, [...path, "operand"], ctx);
    expectFamily(a, operand, ["timestamp", "date"], [...path, "operand"], "the operand of TIMESTAMPADD");
    return { type: operand.type };
  },
  aggregate: (e, a, path, ctx) => {
    if (!ctx.aggregates) {
      a.report(
        path,
        "AGGREGATE_NOT_ALLOWED",
        `${e.fn}(...) is an aggregate: it may appear in \`select\` and \`having\`, not here`,
      );
    }
    return aggregateInfo(a, e.fn, e.arg, path, ctx);
  },
  over: (e, a, path, ctx) => overInfo(a, e, path, ctx),
});
