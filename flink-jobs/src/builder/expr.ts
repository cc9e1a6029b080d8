import type {
  AggregateFn,
  Expr,
  FunctionName,
  Interval,
  IntervalUnit,
  OverFrame,
  TimeUnit,
} from "../expressions.ts";
import type { Ex, Family, TypeDef } from "./types.ts";

/**
 * Typed expression builders. Each returns an `Ex<Family>`, so the TypeScript
 * compiler checks what the Flink planner would: `gt(r.device_id, 100)` does
 * not compile because a string is not comparable with a number.
 */

/** A JavaScript value accepted where an expression of family F is expected. */
export type LiteralOf<F extends Family> = F extends "number"
  ? number
  : F extends "string"
    ? string
    : F extends "boolean"
      ? boolean
      : never;

export type Operand<F extends Family> = Ex<F, unknown> | LiteralOf<F>;

const ex = <F extends Family, E = unknown>(family: F, node: Expr): Ex<F, E> => ({ node, family });

function literalFamily(value: string | number | boolean): Family {
  return typeof value === "string" ? "string" : typeof value === "number" ? "number" : "boolean";
}

/** Lifts a JavaScript value (or passes an expression through). */
export function toEx<F extends Family>(value: Operand<F>): Ex<F, unknown> {
  if (typeof value === "object") return value;
  return ex(literalFamily(value) as F, { kind: "literal", value });
}

/** A literal: `lit(100)` -> `100`, `lit("it's")` -> `'it''s'`, `lit(true)` -> `TRUE`. */
export function lit<V extends string | number | boolean>(
  value: V,
): Ex<V extends string ? "string" : V extends number ? "number" : "boolean"> {
  return ex(literalFamily(value) as never, { kind: "literal", value });
}

/** `CAST(NULL AS <type>)`: a typed NULL. */
export function nullOf<F extends Family, E>(type: TypeDef<F, E>): Ex<F, E> {
  return ex(type.family, { kind: "literal", value: null, type: type.sqlType });
}

type Comparable = "string" | "number" | "boolean" | "timestamp" | "date" | "time";

function compare(op: "=" | "<>" | "<" | "<=" | ">" | ">=") {
  return <F extends Comparable>(left: Ex<F, unknown>, right: NoInfer<Operand<F>>): Ex<"boolean"> =>
    ex("boolean", { kind: "compare", op, left: left.node, right: toEx(right).node });
}

/** `a = b` */
export const eq = compare("=");
/** `a <> b` */
export const ne = compare("<>");
/** `a < b` */
export const lt = compare("<");
/** `a <= b` */
export const lte = compare("<=");
/** `a > b`, e.g. `gt(r.temperature, 100)` -> `` `temperature` > 100 `` */
export const gt = compare(">");
/** `a >= b` */
export const gte = compare(">=");

/** `a AND b AND ...` */
export function and(...operands: Ex<"boolean">[]): Ex<"boolean"> {
  return ex("boolean", { kind: "logical", op: "AND", operands: operands.map((o) => o.node) });
}
/** `a OR b OR ...` */
export function or(...operands: Ex<"boolean">[]): Ex<"boolean"> {
  return ex("boolean", { kind: "logical", op: "OR", operands: operands.map((o) => o.node) });
}
/** `NOT a` */
export function not(operand: Ex<"boolean">): Ex<"boolean"> {
  return ex("boolean", { kind: "not", operand: operand.node });
}

function arithmetic(op: "+" | "-" | "*" | "/") {
  return (left: Operand<"number">, right: Operand<"number">): Ex<"number"> =>
    ex("number", { kind: "arithmetic", op, left: toEx(left).node, right: toEx(right).node });
}
/** `a + b` (numbers) */
export const add = arithmetic("+");
/** `a - b` (numbers) */
export const sub = arithmetic("-");
/** `a * b` */
export const mul = arithmetic("*");
/** `a / b` */
export const div = arithmetic("/");

/** An interval: `interval(5, "SECOND")` -> `INTERVAL '5' SECOND`. */
export function interval(value: number, unit: IntervalUnit): Interval {
  return { value, unit };
}
export const seconds = (n: number): Interval => interval(n, "SECOND");
export const minutes = (n: number): Interval => interval(n, "MINUTE");
export const hours = (n: number): Interval => interval(n, "HOUR");
export const days = (n: number): Interval => interval(n, "DAY");

/** `ts + INTERVAL ...` / `ts - INTERVAL ...` */
export function plusInterval(ts: Ex<"timestamp">, by: Interval): Ex<"timestamp"> {
  return ex("timestamp", { kind: "arithmetic", op: "+", left: ts.node, right: { kind: "interval", ...by } });
}
export function minusInterval(ts: Ex<"timestamp">, by: Interval): Ex<"timestamp"> {
  return ex("timestamp", { kind: "arithmetic", op: "-", left: ts.node, right: { kind: "interval", ...by } });
}

/** `a IS NULL` */
export const isNull = (operand: Ex): Ex<"boolean"> =>
  ex("boolean", { kind: "isNull", operand: operand.node });
/** `a IS NOT NULL` */
export const isNotNull = (operand: Ex): Ex<"boolean"> =>
  ex("boolean", { kind: "isNull", operand: operand.node, negated: true });
/** `a LIKE 'pattern'` */
export const like = (operand: Ex<"string">, pattern: string): Ex<"boolean"> =>
  ex("boolean", { kind: "like", operand: operand.node, pattern });
/** `a IN (v1, v2, ...)` */
export function inList<F extends Comparable>(
  operand: Ex<F, unknown>,
  values: NoInfer<Operand<F>>[],
): Ex<"boolean"> {
  return ex("boolean", { kind: "in", operand: operand.node, values: values.map((v) => toEx(v).node) });
}
/** `a BETWEEN low AND high` (also the shape of interval-join conditions on time attributes). */
export function between<F extends Comparable>(
  operand: Ex<F, unknown>,
  low: NoInfer<Operand<F>>,
  high: NoInfer<Operand<F>>,
): Ex<"boolean"> {
  return ex("boolean", {
    kind: "between",
    operand: operand.node,
    low: toEx(low).node,
    high: toEx(high).node,
  });
}

/** `CASE WHEN c1 THEN v1 ... ELSE e END`; all branches share one family. */
export function caseWhen<F extends Family>(
  whens: [Ex<"boolean">, Operand<F>][],
  otherwise?: NoInfer<Operand<F>>,
): Ex<F> {
  const first = whens[0];
  const family = first === undefined ? "string" : toEx(first[1]).family;
  return ex(family as F, {
    kind: "case",
    whens: whens.map(([when, result]) => ({ when: when.node, result: toEx(result).node })),
    else: otherwise === undefined ? undefined : toEx(otherwise).node,
  });
}

/** `CAST(a AS <type>)`, e.g. `cast(r.amount, t.decimal(10, 2))`. */
export function cast<F extends Family, E>(operand: Ex, to: TypeDef<F, E>): Ex<F, E> {
  return ex(to.family, { kind: "cast", operand: operand.node, to: to.sqlType });
}

function call<F extends Family>(family: F, fn: FunctionName, ...args: Ex[]): Ex<F> {
  return ex(family, { kind: "call", fn, args: args.map((a) => a.node) });
}

export const lower = (s: Ex<"string">) => call("string", "LOWER", s);
export const upper = (s: Ex<"string">) => call("string", "UPPER", s);
export const trim = (s: Ex<"string">) => call("string", "TRIM", s);
export const charLength = (s: Ex<"string">) => call("number", "CHAR_LENGTH", s);
export const concat = (...parts: Operand<"string">[]) =>
  call("string", "CONCAT", ...parts.map((p) => toEx(p)));
export const abs = (n: Operand<"number">) => call("number", "ABS", toEx(n));
export const sqrt = (n: Operand<"number">) => call("number", "SQRT", toEx(n));
export const power = (n: Operand<"number">, exponent: Operand<"number">) =>
  call("number", "POWER", toEx(n), toEx(exponent));
export const floor = (n: Operand<"number">) => call("number", "FLOOR", toEx(n));
export const ceil = (n: Operand<"number">) => call("number", "CEIL", toEx(n));
export const round = (n: Operand<"number">, digits = 0) => call("number", "ROUND", toEx(n), toEx(digits));
export const ln = (n: Operand<"number">) => call("number", "LN", toEx(n));
export const exp = (n: Operand<"number">) => call("number", "EXP", toEx(n));
export const mod = (a: Operand<"number">, b: Operand<"number">) => call("number", "MOD", toEx(a), toEx(b));
/** `DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm')` */
export const dateFormat = (ts: Ex<"timestamp">, format: string) =>
  call("string", "DATE_FORMAT", ts, toEx(format));
/** `TO_TIMESTAMP_LTZ(epoch, 3)`: epoch milliseconds (precision 3) or seconds (0) to a timestamp. */
export const toTimestampLtz = (epoch: Ex<"number">, precision: 0 | 3 = 3) =>
  call("timestamp", "TO_TIMESTAMP_LTZ", epoch, toEx(precision));
/** `TO_TIMESTAMP('2024-01-01 00:00:00')` */
export const toTimestamp = (text: Ex<"string">, format?: string) =>
  format === undefined
    ? call("timestamp", "TO_TIMESTAMP", text)
    : call("timestamp", "TO_TIMESTAMP", text, toEx(format));
/** `COALESCE(a, b, ...)` */
export function coalesce<F extends Family>(first: Ex<F, unknown>, ...rest: NoInfer<Operand<F>>[]): Ex<F> {
  return call(first.family, "COALESCE", first, ...rest.map((r) => toEx(r)));
}
export const cardinality = (collection: Ex<"array" | "map", unknown>) =>
  call("number", "CARDINALITY", collection);
/** `PROCTIME()`: a processing-time attribute (for computed columns and lookup joins). */
export const proctimeCall = () => call("timestamp", "PROCTIME");
export const currentTimestamp = () => call("timestamp", "CURRENT_TIMESTAMP");
/** `TIMESTAMPADD(HOUR, n, ts)` */
export function timestampAdd(
  unit: TimeUnit,
  amount: Operand<"number">,
  ts: Ex<"timestamp">,
): Ex<"timestamp"> {
  return ex("timestamp", { kind: "timestampAdd", unit, amount: toEx(amount).node, operand: ts.node });
}

/** An aggregate; `.over(...)` turns it into an OVER aggregate (rolling statistics). */
export interface Aggregate<F extends Family> extends Ex<F> {
  over(window: OverWindow): Ex<F>;
}

/** An OVER window: per partition, ordered by a time attribute, the last N rows or a time range. */
export interface OverWindow {
  partitionBy?: Ex[];
  orderBy: Ex<"timestamp">;
  /** The last N rows before the current one (`ROWS BETWEEN N PRECEDING AND CURRENT ROW`). */
  rows?: number | "UNBOUNDED";
  /** Rows within this interval before the current one (`RANGE BETWEEN INTERVAL ... PRECEDING`). */
  range?: Interval | "UNBOUNDED";
}

function aggregate<F extends Family>(family: F, fn: AggregateFn, arg?: Ex, distinct?: boolean): Aggregate<F> {
  return {
    node: { kind: "aggregate", fn, arg: arg?.node, distinct },
    family,
    over(window) {
      const frame: OverFrame =
        window.range !== undefined
          ? { kind: "range", preceding: window.range }
          : { kind: "rows", preceding: window.rows ?? "UNBOUNDED" };
      return ex(family, {
        kind: "over",
        fn,
        arg: arg?.node,
        partitionBy: (window.partitionBy ?? []).map((p) => p.node),
        orderBy: window.orderBy.node,
        frame,
      });
    },
  };
}

/** `COUNT(*)` or `COUNT(a)` */
export const count = (arg?: Ex) => aggregate("number", "COUNT", arg);
/** `COUNT(DISTINCT a)` */
export const countDistinct = (arg: Ex) => aggregate("number", "COUNT", arg, true);
export const sum = (arg: Ex<"number">) => aggregate("number", "SUM", arg);
export const avg = (arg: Ex<"number">) => aggregate("number", "AVG", arg);
export const min = <F extends Comparable>(arg: Ex<F, unknown>) => aggregate(arg.family, "MIN", arg);
export const max = <F extends Comparable>(arg: Ex<F, unknown>) => aggregate(arg.family, "MAX", arg);
export const stddevPop = (arg: Ex<"number">) => aggregate("number", "STDDEV_POP", arg);
export const stddevSamp = (arg: Ex<"number">) => aggregate("number", "STDDEV_SAMP", arg);
export const varPop = (arg: Ex<"number">) => aggregate("number", "VAR_POP", arg);
export const varSamp = (arg: Ex<"number">) => aggregate("number", "VAR_SAMP", arg);
