import type { From, Query } from "../query.ts";
import type { Relation } from "./types.ts";
import { containsKind, dispatch, type NodeHandlers } from "./visitor.ts";

type Relations = ReadonlyMap<string, Relation>;

/**
 * Whether a query emits updates rather than appends only, as Flink's planner
 * will decide. Conservative: when unsure (raw SQL) it answers "appends", so
 * a problem is only reported when the sink would certainly reject the job.
 */
export function queryUpdating(relations: Relations, query: Query): boolean {
  return dispatch(QUERY_UPDATES, query, relations);
}

function fromUpdating(relations: Relations, from: From): boolean {
  return dispatch(FROM_UPDATES, from, relations);
}

const QUERY_UPDATES: NodeHandlers<Query, [Relations], boolean> = Object.freeze({
  raw: () => false,
  topN: (query, relations) => {
    const keepsFirst = query.limit === 1 && query.orderBy.every((o) => o.direction !== "DESC");
    return !keepsFirst || fromUpdating(relations, query.from);
  },
  select: (query, relations) => {
    const windowed = query.from.kind === "window";
    const aggregated =
      (query.groupBy?.length ?? 0) > 0 || query.select.some((s) => containsKind(s.expr, "aggregate"));
    if ((aggregated || query.distinct === true) && !windowed) return true;
    return fromUpdating(relations, query.from);
  },
});

const FROM_UPDATES: NodeHandlers<From, [Relations], boolean> = Object.freeze({
  table: (from, relations) => relations.get(from.name)?.producesUpdates ?? false,
  window: (from, relations) => relations.get(from.table)?.producesUpdates ?? false,
  join: (from, relations) =>
    from.join !== "INNER" || fromUpdating(relations, from.left) || fromUpdating(relations, from.right),
  temporalJoin: (from, relations) => fromUpdating(relations, from.left),
  unnest: (from, relations) => fromUpdating(relations, from.from),
  subquery: (from, relations) => queryUpdating(relations, from.query),
});
