import type { Expr } from "../expressions.ts";
import type { From, JoinType, OrderItem, Query, RawPart } from "../query.ts";
import type { InsertSpec } from "../spec.ts";
import {
  type Families,
  familiesOf,
  type QueryLike,
  type Relation,
  rowFrom,
  type Table,
} from "./relations.ts";
import type { AnyRow, ColumnDef, Ex, Family, FamilyOf } from "./types.ts";

/**
 * The query builder. `from(table)` gives a source whose callbacks receive the
 * table's typed row; a join gives a row per input, keyed by table name or alias.
 *
 * @example
 * from(sensorData)
 *   .where((r) => gt(r.temperature, 100))
 *   .select((r) => ({ device_id: r.device_id, temperature: r.temperature, anomaly: lit(true) }));
 * // SELECT `device_id`, `temperature`, TRUE AS `anomaly` FROM `sensor_data` WHERE `temperature` > 100
 */

/** A finished query: its output row type is `Out`. */
export interface QueryBuilder<Out extends AnyRow> extends QueryLike<Out> {
  /** Uses the query as a subquery: `from(q.as("recent"))`. */
  as<A extends string>(alias: A): Relation<A, Out>;
}

interface Stage {
  from: From;
  where?: Expr;
  groupBy?: Expr[];
  having?: Expr;
}

function queryBuilder<Out extends AnyRow>(build: () => Query, families: Families | null): QueryBuilder<Out> {
  return {
    toQuery: build,
    families: families ?? {},
    as: (alias) => ({
      name: alias,
      fromNode: () => ({ kind: "subquery", query: build(), as: alias }),
      row: (qualifier) => (families === null ? anyRow(qualifier) : rowFrom(families, qualifier ?? undefined)),
    }),
  };
}

/** Rows of raw queries: any column name resolves (the escape hatch has no declared shape). */
function anyRow<R extends AnyRow>(qualifier?: string): R {
  return new Proxy({} as R, {
    get: (_target, name) =>
      typeof name === "string"
        ? {
            node:
              qualifier === undefined ? { kind: "column", name } : { kind: "column", name, table: qualifier },
            family: "string",
          }
        : undefined,
  });
}

/** A query in progress: filter, group, then `select`. */
export class Source<R, Nested extends Record<string, AnyRow>> {
  readonly #stage: Stage;
  readonly #row: R;
  readonly #nested: Nested;

  constructor(stage: Stage, row: R, nested: Nested) {
    this.#stage = stage;
    this.#row = row;
    this.#nested = nested;
  }

  /** `WHERE <condition>` (several calls are ANDed). */
  where(condition: (row: R) => Ex<"boolean">): Source<R, Nested> {
    const next = condition(this.#row).node;
    const where: Expr =
      this.#stage.where === undefined
        ? next
        : { kind: "logical", op: "AND", operands: [this.#stage.where, next] };
    return new Source({ ...this.#stage, where }, this.#row, this.#nested);
  }

  /** `GROUP BY ...`; select then only grouped columns and aggregates. */
  groupBy(keys: (row: R) => Ex[]): Source<R, Nested> {
    return new Source(
      { ...this.#stage, groupBy: keys(this.#row).map((k) => k.node) },
      this.#row,
      this.#nested,
    );
  }

  /** `HAVING <condition>` over aggregates. */
  having(condition: (row: R) => Ex<"boolean">): Source<R, Nested> {
    return new Source({ ...this.#stage, having: condition(this.#row).node }, this.#row, this.#nested);
  }

  /** `SELECT`: the keys of the returned object name the output columns. */
  select<O extends AnyRow>(projection: (row: R) => O, options: { distinct?: boolean } = {}): QueryBuilder<O> {
    const out = projection(this.#row);
    const stage = this.#stage;
    return queryBuilder<O>(
      () => ({
        kind: "select",
        from: stage.from,
        select: Object.entries(out).map(([as, e]) => ({ expr: e.node, as })),
        where: stage.where,
        groupBy: stage.groupBy,
        having: stage.having,
        distinct: options.distinct,
      }),
      familiesOf(out),
    );
  }

  /** A regular join (or, with a BETWEEN on time attributes in `on`, an interval join). */
  join<N2 extends string, R2 extends AnyRow, A extends string = N2>(
    other: Relation<N2, R2>,
    on: (rows: Nested & Record<A, R2>) => Ex<"boolean">,
    options: { type?: JoinType; as?: A } = {},
  ): Source<Nested & Record<A, R2>, Nested & Record<A, R2>> {
    const alias = (options.as ?? other.name) as A;
    const nested = { ...this.#nested, [alias]: other.row(alias) } as Nested & Record<A, R2>;
    const from: From = {
      kind: "join",
      join: options.type ?? "INNER",
      left: this.#stage.from,
      right: other.fromNode(options.as),
      on: on(nested).node,
    };
    return new Source({ from }, nested, nested);
  }

  /**
   * `JOIN versioned FOR SYSTEM_TIME AS OF <asOf>`: each row joins the version
   * of `versioned` valid at its time (event time), or the current row of a
   * lookup table (processing time).
   */
  temporalJoin<N2 extends string, R2 extends AnyRow, A extends string = N2>(
    versioned: Relation<N2, R2>,
    options: {
      /** The left side's time attribute, from the rows keyed by table name or alias. */
      asOf: (rows: Nested) => Ex<"timestamp">;
      on: (rows: Nested & Record<A, R2>) => Ex<"boolean">;
      left?: boolean;
      as?: A;
    },
  ): Source<Nested & Record<A, R2>, Nested & Record<A, R2>> {
    const alias = (options.as ?? versioned.name) as A;
    const nested = { ...this.#nested, [alias]: versioned.row(alias) } as Nested & Record<A, R2>;
    const from: From = {
      kind: "temporalJoin",
      join: options.left ? "LEFT" : "INNER",
      left: this.#stage.from,
      right: versioned.name,
      rightAs: options.as,
      asOf: options.asOf(this.#nested).node,
      on: options.on(nested).node,
    };
    return new Source({ from }, nested, nested);
  }

  /** `CROSS JOIN UNNEST(<array>) AS <as> (<column>)`: one row per array element. */
  crossJoinUnnest<K extends string, E extends Family, A extends string>(
    array: (row: R) => Ex<"array", E>,
    as: A,
    column: K,
  ): Source<R & Record<K, Ex<E>>, Nested & Record<A, Record<K, Ex<E>>>> {
    const arrayEx = array(this.#row);
    const element = {
      node: { kind: "column", name: column, table: as },
      family: (arrayEx.element ?? "string") as E,
    } as Ex<E>;
    const row = { ...(this.#row as object), [column]: element } as R & Record<K, Ex<E>>;
    const nested = { ...this.#nested, [as]: { [column]: element } } as Nested & Record<A, Record<K, Ex<E>>>;
    const from: From = { kind: "unnest", from: this.#stage.from, array: arrayEx.node, as, columns: [column] };
    return new Source({ from }, row, nested);
  }

  /** The stage so far (for top-N). */
  get stage(): Stage {
    return this.#stage;
  }
  get row(): R {
    return this.#row;
  }
}

/** Starts a query: `from(table)` or `from(table, "alias")`. */
export function from<N extends string, R extends AnyRow, A extends string = N>(
  relation: Relation<N, R>,
  as?: A,
): Source<R, Record<A, R>> {
  const qualifier = (as ?? relation.name) as A;
  return new Source({ from: relation.fromNode(as) }, relation.row(as), {
    [qualifier]: relation.row(qualifier),
  } as Record<A, R>);
}

/** Descending order for `topN`/`deduplicate`. */
export function desc(e: Ex): OrderItem {
  return { expr: e.node, direction: "DESC" };
}
function toOrder(item: Ex | OrderItem): OrderItem {
  return "node" in item ? { expr: item.node } : item;
}

/**
 * Top-N per partition (the ROW_NUMBER pattern); `limit: 1` is deduplication.
 *
 * @example
 * topN(from(clicks), { partitionBy: (r) => [r.user_id], orderBy: (r) => [desc(r.ts)], limit: 3 })
 */
export function topN<R extends AnyRow, const Rank extends string = never>(
  source: Source<R, Record<string, AnyRow>>,
  options: {
    partitionBy: (row: R) => Ex[];
    orderBy: (row: R) => (Ex | OrderItem)[];
    limit: number;
    rankAs?: Rank;
  },
): QueryBuilder<R & Record<Rank, Ex<"number">>> {
  const stage = source.stage;
  const base: From =
    stage.where === undefined
      ? stage.from
      : {
          kind: "subquery",
          as: "filtered",
          query: {
            kind: "select",
            from: stage.from,
            select: Object.keys(source.row).map((name) => ({ expr: { kind: "column", name } })),
            where: stage.where,
          },
        };
  const families = familiesOf(source.row);
  if (options.rankAs !== undefined) families[options.rankAs] = { family: "number" };
  return queryBuilder(
    () => ({
      kind: "topN",
      from: base,
      partitionBy: options.partitionBy(source.row).map((e) => e.node),
      orderBy: options.orderBy(source.row).map(toOrder),
      limit: options.limit,
      rankAs: options.rankAs,
    }),
    families,
  );
}

/** Keeps the first (or last) row per key, ordered by a time attribute. */
export function deduplicate<R extends AnyRow>(
  source: Source<R, Record<string, AnyRow>>,
  options: { key: (row: R) => Ex[]; orderBy: (row: R) => Ex<"timestamp">; keep?: "first" | "last" },
): QueryBuilder<R> {
  return topN(source, {
    partitionBy: options.key,
    orderBy: (r) => [options.keep === "last" ? desc(options.orderBy(r)) : options.orderBy(r)],
    limit: 1,
  });
}

/**
 * The escape hatch: one raw SELECT whose interpolations are declared
 * relations (rendered as quoted table names) or column references.
 *
 * @example
 * sql`SELECT ${sensorData.row().device_id}, COUNT(*) AS n FROM ${sensorData} GROUP BY ${sensorData.row().device_id}`
 */
export function sql(strings: TemplateStringsArray, ...values: (Relation | Ex)[]): QueryBuilder<AnyRow> {
  const parts: RawPart[] = [];
  strings.forEach((text, i) => {
    if (text !== "") parts.push(text);
    const value = values[i];
    if (value === undefined) return;
    if ("fromNode" in value) parts.push({ kind: "tableRef", name: value.name });
    else if (value.node.kind === "column")
      parts.push({ kind: "columnRef", name: value.node.name, table: value.node.table });
    else throw new TypeError("sql`...` interpolates only tables, views and column references");
  });
  return queryBuilder(() => ({ kind: "raw", parts }), null);
}

/**
 * The expected output row of a query inserted into a table with columns `C`.
 * A raw `sql` query has no declared shape (its row is `AnyRow`, keyed by any
 * string): it is accepted here and checked by Flink's EXPLAIN instead.
 */
type SinkCompatible<O, C> = string extends keyof O
  ? unknown
  : { [K in keyof O]: K extends keyof C ? Ex<FamilyOf<C[K]>, unknown> : never };

/**
 * `INSERT INTO sink (<query's columns>) <query>`. The query's output columns
 * must be columns of the sink, with matching types (a TypeScript error otherwise).
 */
export function insertInto<N extends string, C extends Record<string, ColumnDef>, O extends AnyRow>(
  sink: Table<N, C>,
  query: QueryLike<O> & { readonly out?: SinkCompatible<O, C> },
): { toSpec(): InsertSpec } {
  return {
    toSpec: () => {
      const columns = Object.keys(query.families);
      return { into: sink.name, columns: columns.length > 0 ? columns : undefined, query: query.toQuery() };
    },
  };
}
