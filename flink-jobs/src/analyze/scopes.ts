import type { Expr } from "../expressions.ts";
import type { SpecPath } from "../problems.ts";
import type { From, Query } from "../query.ts";
import { inferExpr } from "./expression-types.ts";
import { checkRaw } from "./raw-sql.ts";
import type { AnalysisState } from "./state.ts";
import { expectBoolean } from "./type-checks.ts";
import {
  BIGINT,
  type ColumnInfo,
  describeType,
  type ExprContext,
  rowContext,
  type Scope,
  sameTree,
} from "./types.ts";
import { collect, containsKind, dispatch, forEachChild, type NodeHandlers } from "./visitor.ts";
import { windowScope } from "./windows.ts";

/** Output columns of a query, or `null` when they cannot be known (raw SQL). */
export function analyzeQuery(a: AnalysisState, query: Query, path: SpecPath): ColumnInfo[] | null {
  return dispatch(QUERY_COLUMNS, query, a, path);
}

/** The tables and aliases a `from` brings into scope; records its column names for the compiler. */
function analyzeFrom(a: AnalysisState, from: From, path: SpecPath): Scope {
  const scope = dispatch(FROM_SCOPES, from, a, path);
  if (scope.every((e) => e.columns !== null)) {
    a.fromColumns.set(
      from,
      scope.flatMap((e) => (e.columns ?? []).map((c) => c.name)),
    );
  }
  return scope;
}

type SelectQuery = Extract<Query, { kind: "select" }>;

function selectColumns(a: AnalysisState, q: SelectQuery, path: SpecPath): ColumnInfo[] {
  const scope = analyzeFrom(a, q.from, [...path, "from"]);
  if (q.where !== undefined) {
    const info = inferExpr(a, q.where, [...path, "where"], rowContext(scope));
    expectBoolean(a, info, [...path, "where"], "`where`");
  }
  (q.groupBy ?? []).forEach((e, i) => {
    inferExpr(a, e, [...path, "groupBy", i], rowContext(scope));
  });
  const aggregated = (q.groupBy?.length ?? 0) > 0 || q.select.some((s) => containsKind(s.expr, "aggregate"));
  const output = selectItems(a, q, scope, aggregated, path);
  if (aggregated && q.from.kind === "window") {
    const grouped = new Set((q.groupBy ?? []).flatMap((e) => (e.kind === "column" ? [e.name] : [])));
    if (!grouped.has("window_start") || !grouped.has("window_end")) {
      a.report(
        [...path, "groupBy"],
        "WINDOW_GROUP_BY",
        "a window aggregation must group by `window_start` and `window_end`",
      );
    }
  }
  if (q.having !== undefined) {
    if (!aggregated)
      a.report([...path, "having"], "HAVING_WITHOUT_GROUP_BY", "`having` needs `groupBy` or aggregates");
    const info = inferExpr(a, q.having, [...path, "having"], { scope, aggregates: true, over: false });
    expectBoolean(a, info, [...path, "having"], "`having`");
  }
  return output;
}

function selectItems(
  a: AnalysisState,
  q: SelectQuery,
  scope: Scope,
  aggregated: boolean,
  path: SpecPath,
): ColumnInfo[] {
  const output: ColumnInfo[] = [];
  const names = new Set<string>();
  let overWindow: unknown;
  q.select.forEach((item, i) => {
    const at: SpecPath = [...path, "select", i];
    const info = inferExpr(a, item.expr, [...at, "expr"], { scope, aggregates: true, over: !aggregated });
    const name = item.as ?? (item.expr.kind === "column" ? item.expr.name : undefined);
    if (name === undefined) {
      a.report([...at, "as"], "MISSING_ALIAS", "give this computed column a name with `as`");
      return;
    }
    if (names.has(name)) a.report(at, "DUPLICATE_COLUMN", `the query outputs two columns named \`${name}\``);
    names.add(name);
    for (const over of collect(item.expr, "over")) {
      const window = { partitionBy: over.partitionBy, orderBy: over.orderBy, frame: over.frame };
      if (overWindow === undefined) overWindow = window;
      else if (!sameTree(overWindow, window)) {
        a.report(
          [...at, "expr"],
          "OVER_WINDOW_MISMATCH",
          "all OVER aggregates of one query must use the same partitionBy, orderBy and frame (Flink supports one OVER window per SELECT)",
        );
      }
    }
    if (aggregated) checkGrouped(a, item.expr, q.groupBy ?? [], [...at, "expr"]);
    const keepsTime = !aggregated || (item.expr.kind === "column" && item.expr.name === "window_time");
    output.push({ name, type: info.type, time: keepsTime ? info.time : undefined });
  });
  return output;
}

const QUERY_COLUMNS: NodeHandlers<Query, [AnalysisState, SpecPath], ColumnInfo[] | null> = Object.freeze({
  select: (q, a, path) => selectColumns(a, q, path),
  topN: (q, a, path) => {
    const scope = analyzeFrom(a, q.from, [...path, "from"]);
    const ctx: ExprContext = rowContext(scope);
    q.partitionBy.forEach((e, i) => {
      inferExpr(a, e, [...path, "partitionBy", i], ctx);
    });
    q.orderBy.forEach((o, i) => {
      inferExpr(a, o.expr, [...path, "orderBy", i, "expr"], ctx);
    });
    const columns = flatten(a, scope, [...path, "from"]);
    if (columns === null) {
      a.report(
        [...path, "from"],
        "UNKNOWN_COLUMNS",
        "top-N needs a source whose columns are known (not a raw query)",
      );
      return null;
    }
    if (q.rankAs === undefined) return columns;
    if (columns.some((c) => c.name === q.rankAs)) {
      a.report([...path, "rankAs"], "DUPLICATE_COLUMN", `\`${q.rankAs}\` is already a column of the source`);
    }
    return [...columns, { name: q.rankAs, type: BIGINT }];
  },
  raw: (q, a, path) => {
    checkRaw(a, q.parts, path);
    return null;
  },
});

/** Columns of a scope as one list (subquery or top-N output); names must be unique. */
function flatten(a: AnalysisState, scope: Scope, path: SpecPath): ColumnInfo[] | null {
  if (scope.some((e) => e.columns === null)) return null;
  const out: ColumnInfo[] = [];
  for (const entry of scope) {
    for (const column of entry.columns ?? []) {
      if (out.some((c) => c.name === column.name)) {
        a.report(
          path,
          "AMBIGUOUS_COLUMN",
          `column \`${column.name}\` comes from two inputs; select it explicitly in a subquery`,
        );
      } else out.push(column);
    }
  }
  return out;
}

/** In an aggregating query, every column outside an aggregate must be grouped by. */
function checkGrouped(a: AnalysisState, expr: Expr, groupBy: Expr[], path: SpecPath): void {
  if (groupBy.some((g) => sameTree(g, expr))) return;
  if (expr.kind === "aggregate" || expr.kind === "literal" || expr.kind === "interval") return;
  if (expr.kind === "column") {
    if (!groupBy.some((g) => g.kind === "column" && g.name === expr.name)) {
      a.report(
        path,
        "NOT_GROUPED",
        `\`${expr.name}\` is neither in \`groupBy\` nor inside an aggregate (COUNT, SUM, ...)`,
      );
    }
    return;
  }
  forEachChild(expr, (child, key) => checkGrouped(a, child, groupBy, [...path, ...key]));
}

function joinCondition(a: AnalysisState, on: Expr, scope: Scope, path: SpecPath): void {
  checkQualifiers(a, scope, path);
  expectBoolean(
    a,
    inferExpr(a, on, [...path, "on"], rowContext(scope)),
    [...path, "on"],
    "the join condition",
  );
}

type TemporalJoin = Extract<From, { kind: "temporalJoin" }>;

function temporalJoinScope(a: AnalysisState, f: TemporalJoin, path: SpecPath): Scope {
  const left = analyzeFrom(a, f.left, [...path, "left"]);
  const right = a.readable(f.right, [...path, "right"]);
  const asOf = inferExpr(a, f.asOf, [...path, "asOf"], rowContext(left));
  if (right !== undefined) {
    if (asOf.time === undefined && asOf.type !== null) {
      a.report(
        [...path, "asOf"],
        "TEMPORAL_JOIN_TIME",
        "`asOf` must be a time attribute of the left side (a watermarked column or PROCTIME())",
      );
    } else if (asOf.time === "rowtime" && (right.primaryKey.length === 0 || !right.hasWatermark)) {
      a.report(
        [...path, "right"],
        "TEMPORAL_JOIN_NOT_VERSIONED",
        `an event-time temporal join needs a versioned table: \`${f.right}\` must declare a primaryKey and a watermark`,
      );
    } else if (asOf.time === "proctime" && !right.canLookup) {
      a.report(
        [...path, "right"],
        "LOOKUP_NOT_SUPPORTED",
        `\`${f.right}\` cannot serve lookup joins (use a jdbc table, or join on event time)`,
      );
    }
  }
  const scope: Scope = [...left, { qualifier: f.rightAs ?? f.right, columns: right?.columns ?? null }];
  joinCondition(a, f.on, scope, path);
  return scope;
}

type Unnest = Extract<From, { kind: "unnest" }>;

function unnestScope(a: AnalysisState, f: Unnest, path: SpecPath): Scope {
  const scope = analyzeFrom(a, f.from, [...path, "from"]);
  const array = inferExpr(a, f.array, [...path, "array"], rowContext(scope));
  let columns: ColumnInfo[] | null = f.columns.map((name) => ({ name, type: null }));
  if (array.type !== null) {
    if (array.type.kind !== "ARRAY") {
      a.report(
        [...path, "array"],
        "UNNEST_NOT_ARRAY",
        `UNNEST needs an ARRAY, got ${describeType(array.type)}`,
      );
    } else {
      const element = array.type.element;
      const types = element.kind === "ROW" ? element.fields.map((x) => x.type) : [element];
      if (types.length !== f.columns.length) {
        a.report(
          [...path, "columns"],
          "UNNEST_COLUMN_COUNT",
          `the array's elements have ${types.length} field(s) but ${f.columns.length} column name(s) are given`,
        );
      } else columns = f.columns.map((name, i) => ({ name, type: types[i] ?? null }));
    }
  }
  const out = [...scope, { qualifier: f.as, columns }];
  checkQualifiers(a, out, path);
  return out;
}

const FROM_SCOPES: NodeHandlers<From, [AnalysisState, SpecPath], Scope> = Object.freeze({
  table: (f, a, path) => {
    const relation = a.readable(f.name, [...path, "name"]);
    return [{ qualifier: f.as ?? f.name, columns: relation === undefined ? null : relation.columns }];
  },
  window: (f, a, path) => windowScope(a, f, path),
  join: (f, a, path) => {
    const scope = [
      ...analyzeFrom(a, f.left, [...path, "left"]),
      ...analyzeFrom(a, f.right, [...path, "right"]),
    ];
    joinCondition(a, f.on, scope, path);
    return scope;
  },
  temporalJoin: (f, a, path) => temporalJoinScope(a, f, path),
  unnest: (f, a, path) => unnestScope(a, f, path),
  subquery: (f, a, path) => [{ qualifier: f.as, columns: analyzeQuery(a, f.query, [...path, "query"]) }],
});

function checkQualifiers(a: AnalysisState, scope: Scope, path: SpecPath): void {
  const seen = new Set<string>();
  for (const entry of scope) {
    if (seen.has(entry.qualifier)) {
      a.report(
        path,
        "DUPLICATE_ALIAS",
        `\`${entry.qualifier}\` is used twice in one FROM; give one side an alias with \`as\``,
      );
    }
    seen.add(entry.qualifier);
  }
}
