/**
 * Semantic analysis of a parsed spec: resolves every table, view and column,
 * infers expression types, and reports problems with JSON paths. The compiler
 * reuses what it learns (output columns, view order).
 *
 * One module per responsibility: tables, views, enrichments, inserts, query
 * scopes, expression types, changelog kinds, raw SQL and models (the JVM functions); each node kind is
 * handled through an exhaustive table of handlers (`visitor.ts`).
 */

import { connectors } from "../connectors/index.ts";
import { formatPath, type SpecPath } from "../problems.ts";
import type { JobSpec } from "../spec.ts";
import { resolveEnrichment } from "./enrichments.ts";
import { analyzeInsert } from "./inserts.ts";
import { resolveModel } from "./models.ts";
import { AnalysisState } from "./state.ts";
import { analyzeTable } from "./tables.ts";
import type { Analysis } from "./types.ts";
import { resolveView } from "./views.ts";

export { tokenizeRaw } from "./raw-sql.ts";
export type { Analysis, ColumnInfo, Relation, TimeAttribute } from "./types.ts";

export function analyzeSpec(spec: JobSpec): Analysis {
  const a = new AnalysisState(spec, {
    view: resolveView,
    enrichment: resolveEnrichment,
    model: resolveModel,
  });
  checkNames(a);
  a.checkProperties(connectors.kafka, spec.kafka?.properties, ["kafka", "properties"]);
  spec.tables.forEach((t, i) => {
    if (!a.relations.has(t.name)) a.relations.set(t.name, analyzeTable(a, t, ["tables", i]));
  });
  spec.views.forEach((view, index) => {
    if (!a.views.has(view.name)) a.views.set(view.name, { view, index });
  });
  spec.enrichments.forEach((enrichment, index) => {
    if (!a.enrichments.has(enrichment.name)) a.enrichments.set(enrichment.name, { enrichment, index });
  });
  spec.models.forEach((model, index) => {
    if (!a.models.has(model.name)) a.models.set(model.name, { model, index });
  });
  for (const { view, index } of a.views.values()) resolveView(a, view, index);
  for (const { model, index } of a.models.values()) resolveModel(a, model, index);
  for (const { enrichment, index } of a.enrichments.values()) resolveEnrichment(a, enrichment, index);
  spec.inserts.forEach((insert, i) => {
    analyzeInsert(a, insert, ["inserts", i]);
  });
  if (spec.inserts.length === 0 && spec.enrichments.length === 0) {
    a.report(
      ["inserts"],
      "NO_INSERTS",
      "a job needs at least one insert (or enrichment): otherwise it computes nothing",
    );
  }
  return {
    problems: a.problems,
    relations: a.relations,
    viewOrder: a.viewOrder,
    fromColumns: a.fromColumns,
    enrichmentColumns: a.enrichmentColumns,
  };
}

/** Tables, views and enrichments (with their request tables) share one namespace. */
function checkNames(a: AnalysisState): void {
  const declared = new Map<string, SpecPath>();
  const claim = (name: string, path: SpecPath, what: string) => {
    const previous = declared.get(name);
    if (previous !== undefined) {
      a.report(path, "DUPLICATE_NAME", `${what} \`${name}\` is already declared at ${formatPath(previous)}`);
    } else declared.set(name, path);
  };
  a.spec.tables.forEach((t, i) => {
    claim(t.name, ["tables", i, "name"], "table");
  });
  a.spec.views.forEach((v, i) => {
    claim(v.name, ["views", i, "name"], "view");
  });
  a.spec.models.forEach((m, i) => {
    claim(m.name, ["models", i, "name"], "model view");
  });
  a.spec.enrichments.forEach((e, i) => {
    claim(e.name, ["enrichments", i, "name"], "enrichment output table");
    claim(`${e.name}_requests`, ["enrichments", i, "name"], "enrichment request table");
  });
}
