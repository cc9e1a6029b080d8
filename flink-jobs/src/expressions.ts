import { z } from "zod";
import { identifierSchema, literalTextSchema } from "./identifiers.ts";
import { quoteIdentifier, quoteLiteral } from "./sql-text.ts";
import { renderType, type SqlType, sqlTypeSchema } from "./sql-types.ts";

/**
 * The typed expression language of structured queries. Every node is
 * kind-tagged; operators and function names come from closed lists, so an
 * expression can only ever render to one SQL expression.
 */
export type Expr =
  | { kind: "column"; name: string; table?: string | undefined }
  | { kind: "literal"; value: string | number | boolean | null; type?: SqlType | undefined }
  | { kind: "interval"; value: number; unit: IntervalUnit }
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr }
  | { kind: "logical"; op: "AND" | "OR"; operands: Expr[] }
  | { kind: "not"; operand: Expr }
  | { kind: "arithmetic"; op: ArithmeticOp; left: Expr; right: Expr }
  | { kind: "isNull"; operand: Expr; negated?: boolean | undefined }
  | { kind: "like"; operand: Expr; pattern: string; negated?: boolean | undefined }
  | { kind: "in"; operand: Expr; values: Expr[]; negated?: boolean | undefined }
  | { kind: "between"; operand: Expr; low: Expr; high: Expr; negated?: boolean | undefined }
  | { kind: "case"; whens: { when: Expr; result: Expr }[]; else?: Expr | undefined }
  | { kind: "cast"; operand: Expr; to: SqlType; try?: boolean | undefined }
  | { kind: "call"; fn: FunctionName; args: Expr[] }
  | { kind: "timestampAdd"; unit: TimeUnit; amount: Expr; operand: Expr }
  | { kind: "aggregate"; fn: AggregateFn; arg?: Expr | undefined; distinct?: boolean | undefined }
  | {
      kind: "over";
      fn: AggregateFn;
      arg?: Expr | undefined;
      partitionBy: Expr[];
      orderBy: Expr;
      frame: OverFrame;
    };

export type ExprKind = Expr["kind"];
export const COMPARE_OPS = ["=", "<>", "<", "<=", ">", ">="] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const ARITHMETIC_OPS = ["+", "-", "*", "/"] as const;
export type ArithmeticOp = (typeof ARITHMETIC_OPS)[number];
export const INTERVAL_UNITS = ["SECOND", "MINUTE", "HOUR", "DAY"] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];
export const TIME_UNITS = ["SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
export const AGGREGATE_FNS = [
  "COUNT",
  "SUM",
  "AVG",
  "MIN",
  "MAX",
  "STDDEV_POP",
  "STDDEV_SAMP",
  "VAR_POP",
  "VAR_SAMP",
] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

/** Scalar functions a structured query may call (a closed list: names are rendered verbatim). */
export const FUNCTION_NAMES = [
  "LOWER",
  "UPPER",
  "TRIM",
  "CHAR_LENGTH",
  "CONCAT",
  "SUBSTR",
  "REPLACE",
  "ABS",
  "SQRT",
  "POWER",
  "FLOOR",
  "CEIL",
  "ROUND",
  "LN",
  "EXP",
  "MOD",
  "DATE_FORMAT",
  "TO_TIMESTAMP_LTZ",
  "TO_TIMESTAMP",
  "COALESCE",
  "CARDINALITY",
  "PROCTIME",
  "CURRENT_TIMESTAMP",
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** A window frame for OVER aggregates: the last N rows, or rows within a time range. */
export type OverFrame =
  | { kind: "rows"; preceding: number | "UNBOUNDED" }
  | { kind: "range"; preceding: { value: number; unit: IntervalUnit } | "UNBOUNDED" };

export const intervalSchema = z.strictObject({
  value: z.int().min(0).max(1_000_000_000),
  unit: z.enum(INTERVAL_UNITS),
});
export type Interval = z.infer<typeof intervalSchema>;

const overFrameSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("rows"),
    preceding: z.union([z.int().min(0).max(1_000_000), z.literal("UNBOUNDED")]),
  }),
  z.strictObject({ kind: z.literal("range"), preceding: z.union([intervalSchema, z.literal("UNBOUNDED")]) }),
]);

const negated = z.boolean().optional();

export const exprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("column"), name: identifierSchema, table: identifierSchema.optional() }),
    z.strictObject({
      kind: z.literal("literal"),
      value: z.union([literalTextSchema, z.number(), z.boolean(), z.null()]),
      type: sqlTypeSchema.optional(),
    }),
    z.strictObject({ kind: z.literal("interval"), ...intervalSchema.shape }),
    z.strictObject({
      kind: z.literal("compare"),
      op: z.enum(COMPARE_OPS),
      left: exprSchema,
      right: exprSchema,
    }),
    z.strictObject({
      kind: z.literal("logical"),
      op: z.enum(["AND", "OR"]),
      operands: z.array(exprSchema).min(1),
    }),
    z.strictObject({ kind: z.literal("not"), operand: exprSchema }),
    z.strictObject({
      kind: z.literal("arithmetic"),
      op: z.enum(ARITHMETIC_OPS),
      left: exprSchema,
      right: exprSchema,
    }),
    z.strictObject({ kind: z.literal("isNull"), operand: exprSchema, negated }),
    z.strictObject({ kind: z.literal("like"), operand: exprSchema, pattern: literalTextSchema, negated }),
    z.strictObject({
      kind: z.literal("in"),
      operand: exprSchema,
      values: z.array(exprSchema).min(1),
      negated,
    }),
    z.strictObject({
      kind: z.literal("between"),
      operand: exprSchema,
      low: exprSchema,
      high: exprSchema,
      negated,
    }),
    z.strictObject({
      kind: z.literal("case"),
      whens: z.array(z.strictObject({ when: exprSchema, result: exprSchema })).min(1),
      else: exprSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal("cast"),
      operand: exprSchema,
      to: sqlTypeSchema,
      try: z.boolean().optional(),
    }),
    z.strictObject({ kind: z.literal("call"), fn: z.enum(FUNCTION_NAMES), args: z.array(exprSchema) }),
    z.strictObject({
      kind: z.literal("timestampAdd"),
      unit: z.enum(TIME_UNITS),
      amount: exprSchema,
      operand: exprSchema,
    }),
    z.strictObject({
      kind: z.literal("aggregate"),
      fn: z.enum(AGGREGATE_FNS),
      arg: exprSchema.optional(),
      distinct: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal("over"),
      fn: z.enum(AGGREGATE_FNS),
      arg: exprSchema.optional(),
      partitionBy: z.array(exprSchema),
      orderBy: exprSchema,
      frame: overFrameSchema,
    }),
  ]),
);
// Named, so that JSON Schema and OpenAPI documents reference it as a component (it is recursive).
z.globalRegistry.add(exprSchema, {
  id: "Expression",
  description: "An expression over the columns in scope",
});

/** `INTERVAL '5' SECOND` */
export function renderInterval(interval: Interval): string {
  return `INTERVAL '${interval.value}' ${interval.unit}`;
}

function renderNumber(value: number): string {
  // Numbers come from JSON and are finite (zod rejects NaN/Infinity). Integers
  // render as-is; other values in exponent form Flink parses as DOUBLE.
  if (Number.isInteger(value) && Number.isSafeInteger(value)) return String(value);
  const text = String(value);
  return text.includes("e") || text.includes("E") ? value.toExponential() : text;
}

function renderLiteralValue(value: string | number | boolean | null): string {
  if (value === null) return "NULL";
  if (typeof value === "string") return quoteLiteral(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  const text = renderNumber(value);
  // A negative number stays one token group even after `-`: `a - -1` must not read as a comment.
  return value < 0 ? `(${text})` : text;
}

type Renderers = { [K in ExprKind]: (expr: Extract<Expr, { kind: K }>) => string };

const renderers: Renderers = {
  column: (e) =>
    e.table === undefined
      ? quoteIdentifier(e.name)
      : `${quoteIdentifier(e.table)}.${quoteIdentifier(e.name)}`,
  literal: (e) => {
    const text = renderLiteralValue(e.value);
    return e.type === undefined ? text : `CAST(${text} AS ${renderType(e.type)})`;
  },
  interval: (e) => renderInterval(e),
  compare: (e) => `${renderOperand(e.left)} ${e.op} ${renderOperand(e.right)}`,
  logical: (e) => e.operands.map(renderOperand).join(` ${e.op} `),
  not: (e) => `NOT ${renderOperand(e.operand)}`,
  arithmetic: (e) => `${renderOperand(e.left)} ${e.op} ${renderOperand(e.right)}`,
  isNull: (e) => `${renderOperand(e.operand)} IS ${e.negated ? "NOT " : ""}NULL`,
  like: (e) => `${renderOperand(e.operand)} ${e.negated ? "NOT " : ""}LIKE ${quoteLiteral(e.pattern)}`,
  in: (e) =>
    `${renderOperand(e.operand)} ${e.negated ? "NOT " : ""}IN (${e.values.map(renderExpr).join(", ")})`,
  between: (e) =>
    `${renderOperand(e.operand)} ${e.negated ? "NOT " : ""}BETWEEN ${renderOperand(e.low)} AND ${renderOperand(e.high)}`,
  case: (e) =>
    `CASE ${e.whens.map((w) => `WHEN ${renderExpr(w.when)} THEN ${renderExpr(w.result)}`).join(" ")}${
      e.else === undefined ? "" : ` ELSE ${renderExpr(e.else)}`
    } END`,
  cast: (e) => `${e.try ? "TRY_CAST" : "CAST"}(${renderExpr(e.operand)} AS ${renderType(e.to)})`,
  call: (e) =>
    e.fn === "CURRENT_TIMESTAMP" ? "CURRENT_TIMESTAMP" : `${e.fn}(${e.args.map(renderExpr).join(", ")})`,
  timestampAdd: (e) => `TIMESTAMPADD(${e.unit}, ${renderExpr(e.amount)}, ${renderExpr(e.operand)})`,
  aggregate: (e) => renderAggregateCall(e.fn, e.arg, e.distinct),
  over: (e) => {
    const partition =
      e.partitionBy.length === 0 ? "" : `PARTITION BY ${e.partitionBy.map(renderExpr).join(", ")} `;
    return `${renderAggregateCall(e.fn, e.arg, false)} OVER (${partition}ORDER BY ${renderExpr(e.orderBy)} ${renderFrame(e.frame)})`;
  },
};

function renderAggregateCall(fn: AggregateFn, arg: Expr | undefined, distinct: boolean | undefined): string {
  if (arg === undefined) return `${fn}(*)`;
  return `${fn}(${distinct ? "DISTINCT " : ""}${renderExpr(arg)})`;
}

function renderFrame(frame: OverFrame): string {
  if (frame.kind === "rows") {
    const from = frame.preceding === "UNBOUNDED" ? "UNBOUNDED" : String(frame.preceding);
    return `ROWS BETWEEN ${from} PRECEDING AND CURRENT ROW`;
  }
  const from = frame.preceding === "UNBOUNDED" ? "UNBOUNDED" : renderInterval(frame.preceding);
  return `RANGE BETWEEN ${from} PRECEDING AND CURRENT ROW`;
}

/** Kinds that render as one token or a parenthesised call and never need extra parentheses. */
const ATOMIC: ReadonlySet<ExprKind> = new Set([
  "column",
  "literal",
  "interval",
  "cast",
  "call",
  "timestampAdd",
  "aggregate",
  "case",
]);

/** Operands of operators are parenthesised unless atomic, so precedence never depends on the reader. */
function renderOperand(expr: Expr): string {
  const text = renderExpr(expr);
  return ATOMIC.has(expr.kind) ? text : `(${text})`;
}

/**
 * Renders an expression as Flink SQL.
 *
 * @example
 * renderExpr({ kind: "compare", op: ">", left: { kind: "column", name: "temperature" },
 *   right: { kind: "literal", value: 100 } })   // `temperature` > 100
 */
export function renderExpr(expr: Expr): string {
  const render = renderers[expr.kind] as (e: Expr) => string;
  return render(expr);
}
