import type { ViewSpec } from "../spec.ts";
import { queryUpdating } from "./changelog.ts";
import { analyzeQuery } from "./scopes.ts";
import type { AnalysisState } from "./state.ts";
import { derivedRelation, type Relation } from "./types.ts";

/**
 * Resolves a view on first use, so views may be declared in any order; records
 * the order the compiler must create them in and reports a view that reads itself.
 */
export function resolveView(a: AnalysisState, view: ViewSpec, index: number): Relation | undefined {
  const state = a.viewState.get(view.name);
  if (state === "done") return a.relations.get(view.name);
  if (state === "pending") {
    a.report(
      ["views", index, "query"],
      "VIEW_CYCLE",
      `view \`${view.name}\` reads itself (directly or through other views)`,
    );
    return undefined;
  }
  a.viewState.set(view.name, "pending");
  const columns = analyzeQuery(a, view.query, ["views", index, "query"]);
  const relation = derivedRelation(view.name, "view", {
    columns,
    canRead: true,
    producesUpdates: queryUpdating(a.relations, view.query),
    hasWatermark: columns?.some((c) => c.time === "rowtime") ?? false,
  });
  a.relations.set(view.name, relation);
  a.viewState.set(view.name, "done");
  a.viewOrder.push(view);
  return relation;
}
