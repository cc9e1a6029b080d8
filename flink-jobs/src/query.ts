import { z } from "zod";
import {
  type Expr,
  exprSchema,
  type Interval,
  intervalSchema,
  renderExpr,
  renderInterval,
} from "./expressions.ts";
import { identifierSchema } from "./identifiers.ts";
import { hasControlCharacter, quoteIdentifier } from "./sql-text.ts";

/**
 * Queries: the body of a view or of an insert. A structured `select` covers
 * projection, filter, group by, windows, joins and UNNEST; `topN` covers
 * deduplication and top-N (the ROW_NUMBER pattern); `raw` is the escape hatch.
 */
export type Query =
  | {
      kind: "select";
      from: From;
      select: SelectItem[];
      where?: Expr | undefined;
      groupBy?: Expr[] | undefined;
      having?: Expr | undefined;
      distinct?: boolean | undefined;
    }
  | {
      kind: "topN";
      from: From;
      partitionBy: Expr[];
      orderBy: OrderItem[];
      limit: number;
      /** Name of an output column carrying the rank; omitted from the output when absent. */
      rankAs?: string | undefined;
    }
  | { kind: "raw"; parts: RawPart[] };

export type QueryKind = Query["kind"];
export interface SelectItem {
  expr: Expr;
  as?: string | undefined;
}
export interface OrderItem {
  expr: Expr;
  direction?: "ASC" | "DESC" | undefined;
}

/** Window table-valued functions. */
export type WindowSpec =
  | { kind: "tumble"; size: Interval }
  | { kind: "hop"; slide: Interval; size: Interval }
  | { kind: "cumulate"; step: Interval; size: Interval }
  | { kind: "session"; gap: Interval; partitionBy?: string[] | undefined };
export type WindowKind = WindowSpec["kind"];

export type JoinType = "INNER" | "LEFT" | "RIGHT" | "FULL";

/** What a query reads from. */
export type From =
  | { kind: "table"; name: string; as?: string | undefined }
  | { kind: "window"; table: string; timeColumn: string; window: WindowSpec; as?: string | undefined }
  | { kind: "join"; join: JoinType; left: From; right: From; on: Expr }
  | {
      /**
       * `left JOIN right FOR SYSTEM_TIME AS OF <asOf> ON ...`: an event-time
       * temporal join when `asOf` is a rowtime attribute (right side: versioned
       * table with primary key and watermark), a lookup join when it is a
       * processing-time attribute (right side: a lookup source such as jdbc).
       */
      kind: "temporalJoin";
      join: "INNER" | "LEFT";
      left: From;
      right: string;
      rightAs?: string | undefined;
      asOf: Expr;
      on: Expr;
    }
  | { kind: "unnest"; from: From; array: Expr; as: string; columns: string[] }
  | { kind: "subquery"; query: Query; as: string };
export type FromKind = From["kind"];

/** One piece of a raw query: SQL text, or a reference to a declared table/view or column. */
export type RawPart =
  | string
  | { kind: "tableRef"; name: string }
  | { kind: "columnRef"; name: string; table?: string | undefined };

const windowSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("tumble"), size: intervalSchema }),
  z.strictObject({ kind: z.literal("hop"), slide: intervalSchema, size: intervalSchema }),
  z.strictObject({ kind: z.literal("cumulate"), step: intervalSchema, size: intervalSchema }),
  z.strictObject({
    kind: z.literal("session"),
    gap: intervalSchema,
    partitionBy: z.array(identifierSchema).optional(),
  }),
]);

const selectItemSchema = z.strictObject({ expr: exprSchema, as: identifierSchema.optional() });
const orderItemSchema = z.strictObject({ expr: exprSchema, direction: z.enum(["ASC", "DESC"]).optional() });

export const fromSchema: z.ZodType<From> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("table"), name: identifierSchema, as: identifierSchema.optional() }),
    z.strictObject({
      kind: z.literal("window"),
      table: identifierSchema,
      timeColumn: identifierSchema,
      window: windowSchema,
      as: identifierSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal("join"),
      join: z.enum(["INNER", "LEFT", "RIGHT", "FULL"]),
      left: fromSchema,
      right: fromSchema,
      on: exprSchema,
    }),
    z.strictObject({
      kind: z.literal("temporalJoin"),
      join: z.enum(["INNER", "LEFT"]),
      left: fromSchema,
      right: identifierSchema,
      rightAs: identifierSchema.optional(),
      asOf: exprSchema,
      on: exprSchema,
    }),
    z.strictObject({
      kind: z.literal("unnest"),
      from: fromSchema,
      array: exprSchema,
      as: identifierSchema,
      columns: z.array(identifierSchema).min(1),
    }),
    z.strictObject({ kind: z.literal("subquery"), query: querySchema, as: identifierSchema }),
  ]),
);
// Named, so that JSON Schema and OpenAPI documents reference it as a component (it is recursive).
z.globalRegistry.add(fromSchema, {
  id: "From",
  description: "A FROM clause: table, window, join, unnest or subquery",
});

/** Raw SQL text may span lines (comments are rejected by validation, so a newline cannot end one). */
const rawTextSchema = z
  .string()
  .max(100_000)
  .refine((s) => !hasControlCharacter(s.replace(/[\t\n\r]/g, " ")), {
    message: "raw SQL may not contain control characters other than tab and newline",
    params: { code: "LITERAL_CONTROL_CHARACTER" },
  });

const rawPartSchema = z.union([
  rawTextSchema,
  z.strictObject({ kind: z.literal("tableRef"), name: identifierSchema }),
  z.strictObject({
    kind: z.literal("columnRef"),
    name: identifierSchema,
    table: identifierSchema.optional(),
  }),
]);

export const querySchema: z.ZodType<Query> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("select"),
      from: fromSchema,
      select: z.array(selectItemSchema).min(1),
      where: exprSchema.optional(),
      groupBy: z.array(exprSchema).optional(),
      having: exprSchema.optional(),
      distinct: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal("topN"),
      from: fromSchema,
      partitionBy: z.array(exprSchema),
      orderBy: z.array(orderItemSchema).min(1),
      limit: z.int().min(1).max(100_000),
      rankAs: identifierSchema.optional(),
    }),
    z.strictObject({ kind: z.literal("raw"), parts: z.array(rawPartSchema).min(1) }),
  ]),
);
// Named, so that JSON Schema and OpenAPI documents reference it as a component (it is recursive).
z.globalRegistry.add(querySchema, { id: "Query", description: "A query: select, top-n or raw SQL" });

// ---------------------------------------------------------------------------
// Rendering. Validation has already checked names and types; rendering needs
// the output columns of a `topN` source, which the caller provides.
// ---------------------------------------------------------------------------

/** Column names of a `from`, as resolved by validation (needed by `topN`). */
export type ColumnsOf = (from: From) => string[];

function renderWindowCall(from: Extract<From, { kind: "window" }>): string {
  const table = quoteIdentifier(from.table);
  const time = `DESCRIPTOR(${quoteIdentifier(from.timeColumn)})`;
  const w = from.window;
  const call = ((): string => {
    switch (w.kind) {
      case "tumble":
        return `TUMBLE(TABLE ${table}, ${time}, ${renderInterval(w.size)})`;
      case "hop":
        return `HOP(TABLE ${table}, ${time}, ${renderInterval(w.slide)}, ${renderInterval(w.size)})`;
      case "cumulate":
        return `CUMULATE(TABLE ${table}, ${time}, ${renderInterval(w.step)}, ${renderInterval(w.size)})`;
      case "session": {
        const partition =
          w.partitionBy === undefined || w.partitionBy.length === 0
            ? ""
            : ` PARTITION BY ${w.partitionBy.map(quoteIdentifier).join(", ")}`;
        return `SESSION(TABLE ${table}${partition}, ${time}, ${renderInterval(w.gap)})`;
      }
    }
  })();
  return `TABLE(${call})${from.as === undefined ? "" : ` AS ${quoteIdentifier(from.as)}`}`;
}

type FromRenderers = { [K in FromKind]: (from: Extract<From, { kind: K }>, columnsOf: ColumnsOf) => string };

const fromRenderers: FromRenderers = {
  table: (f) => `${quoteIdentifier(f.name)}${f.as === undefined ? "" : ` AS ${quoteIdentifier(f.as)}`}`,
  window: (f) => renderWindowCall(f),
  join: (f, c) =>
    `${renderFrom(f.left, c)} ${f.join === "INNER" ? "" : `${f.join} `}JOIN ${renderJoinOperand(f.right, c)} ON ${renderExpr(f.on)}`,
  temporalJoin: (f, c) =>
    `${renderFrom(f.left, c)} ${f.join === "INNER" ? "" : "LEFT "}JOIN ${quoteIdentifier(f.right)} FOR SYSTEM_TIME AS OF ${renderExpr(f.asOf)}${
      f.rightAs === undefined ? "" : ` AS ${quoteIdentifier(f.rightAs)}`
    } ON ${renderExpr(f.on)}`,
  unnest: (f, c) =>
    `${renderFrom(f.from, c)} CROSS JOIN UNNEST(${renderExpr(f.array)}) AS ${quoteIdentifier(f.as)} (${f.columns
      .map(quoteIdentifier)
      .join(", ")})`,
  subquery: (f, c) => `(${renderQuery(f.query, c)}) AS ${quoteIdentifier(f.as)}`,
};

/** A join's right side that is itself a join is parenthesised to keep the tree's shape. */
function renderJoinOperand(from: From, columnsOf: ColumnsOf): string {
  const text = renderFrom(from, columnsOf);
  return from.kind === "join" || from.kind === "temporalJoin" || from.kind === "unnest" ? `(${text})` : text;
}

export function renderFrom(from: From, columnsOf: ColumnsOf): string {
  const render = fromRenderers[from.kind] as (f: From, c: ColumnsOf) => string;
  return render(from, columnsOf);
}

function renderSelectItem(item: SelectItem): string {
  const expr = renderExpr(item.expr);
  if (item.as === undefined) return expr;
  if (item.expr.kind === "column" && item.expr.name === item.as) return expr;
  return `${expr} AS ${quoteIdentifier(item.as)}`;
}

type QueryRenderers = { [K in QueryKind]: (q: Extract<Query, { kind: K }>, columnsOf: ColumnsOf) => string };

const queryRenderers: QueryRenderers = {
  select: (q, c) => {
    let sql = `SELECT ${q.distinct ? "DISTINCT " : ""}${q.select.map(renderSelectItem).join(", ")} FROM ${renderFrom(q.from, c)}`;
    if (q.where !== undefined) sql += ` WHERE ${renderExpr(q.where)}`;
    if (q.groupBy !== undefined && q.groupBy.length > 0)
      sql += ` GROUP BY ${q.groupBy.map(renderExpr).join(", ")}`;
    if (q.having !== undefined) sql += ` HAVING ${renderExpr(q.having)}`;
    return sql;
  },
  topN: (q, c) => {
    const columns = c(q.from).map(quoteIdentifier);
    const rank = quoteIdentifier(q.rankAs ?? "sluice_rank");
    const partition =
      q.partitionBy.length === 0 ? "" : `PARTITION BY ${q.partitionBy.map(renderExpr).join(", ")} `;
    const order = q.orderBy
      .map((o) => `${renderExpr(o.expr)}${o.direction === "DESC" ? " DESC" : ""}`)
      .join(", ");
    const outer = q.rankAs === undefined ? columns : [...columns, rank];
    // Flink recognises deduplication only as `rank = 1`, top-N as `rank <= N`.
    const condition = q.limit === 1 ? `${rank} = 1` : `${rank} <= ${q.limit}`;
    return `SELECT ${outer.join(", ")} FROM (SELECT ${columns.join(", ")}, ROW_NUMBER() OVER (${partition}ORDER BY ${order}) AS ${rank} FROM ${renderFrom(q.from, c)}) WHERE ${condition}`;
  },
  raw: (q) =>
    q.parts
      .map((p) => {
        if (typeof p === "string") return p;
        if (p.kind === "tableRef") return quoteIdentifier(p.name);
        return p.table === undefined
          ? quoteIdentifier(p.name)
          : `${quoteIdentifier(p.table)}.${quoteIdentifier(p.name)}`;
      })
      .join(""),
};

/** Renders a query as one Flink SQL SELECT (no trailing semicolon). */
export function renderQuery(query: Query, columnsOf: ColumnsOf): string {
  const render = queryRenderers[query.kind] as (q: Query, c: ColumnsOf) => string;
  return render(query, columnsOf);
}
