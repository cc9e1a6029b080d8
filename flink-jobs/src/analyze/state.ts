import type { ConnectorProperties } from "../connectors/index.ts";
import type { ModelSpec } from "../models.ts";
import type { ProblemCode, SpecPath, SpecProblem } from "../problems.ts";
import type { From } from "../query.ts";
import type { EnrichmentSpec, JobSpec, ViewSpec } from "../spec.ts";
import type { ColumnInfo, Relation } from "./types.ts";

/** Resolves a view or an enrichment on first use (they may be read before they are declared). */
export interface Resolvers {
  view(state: AnalysisState, view: ViewSpec, index: number): Relation | undefined;
  enrichment(state: AnalysisState, enrichment: EnrichmentSpec, index: number): Relation | undefined;
  model(state: AnalysisState, model: ModelSpec, index: number): Relation | undefined;
}

/**
 * What the analysis has learned so far about one spec, and the problems it
 * found. The analysis modules read and extend it; the compiler reuses it.
 */
export class AnalysisState {
  readonly spec: JobSpec;
  readonly problems: SpecProblem[] = [];
  readonly relations = new Map<string, Relation>();
  readonly viewOrder: ViewSpec[] = [];
  readonly fromColumns = new WeakMap<From, string[]>();
  readonly enrichmentColumns = new Map<string, ColumnInfo[]>();
  readonly viewState = new Map<string, "pending" | "done">();
  readonly views = new Map<string, { view: ViewSpec; index: number }>();
  readonly enrichments = new Map<string, { enrichment: EnrichmentSpec; index: number }>();
  readonly models = new Map<string, { model: ModelSpec; index: number }>();
  private readonly resolvers: Resolvers;

  constructor(spec: JobSpec, resolvers: Resolvers) {
    this.spec = spec;
    this.resolvers = resolvers;
  }

  /** The column `name` of the relation `input` (whose columns are `columns`); UNKNOWN_COLUMN at `at` if none. */
  inputColumn(input: string, columns: ColumnInfo[], name: string, at: SpecPath): ColumnInfo | undefined {
    const column = columns.find((c) => c.name === name);
    if (column === undefined) {
      this.report(
        at,
        "UNKNOWN_COLUMN",
        `\`${name}\` is not a column of \`${input}\` (columns: ${columns.map((c) => c.name).join(", ")})`,
      );
    }
    return column;
  }

  report(path: SpecPath, code: ProblemCode, message: string): void {
    this.problems.push({ path, code, message });
  }

  /** The relation named `name`, resolving a view or enrichment on first use; reports an unknown name. */
  lookup(name: string, path: SpecPath): Relation | undefined {
    const found = this.relations.get(name);
    if (found !== undefined) return found;
    const view = this.views.get(name);
    if (view !== undefined) return this.resolvers.view(this, view.view, view.index);
    const enrichment = this.enrichments.get(name);
    if (enrichment !== undefined)
      return this.resolvers.enrichment(this, enrichment.enrichment, enrichment.index);
    const model = this.models.get(name);
    if (model !== undefined) return this.resolvers.model(this, model.model, model.index);
    const known = [
      ...this.spec.tables.map((t) => t.name),
      ...this.spec.views.map((v) => v.name),
      ...this.spec.enrichments.map((e) => e.name),
      ...this.spec.models.map((m) => m.name),
    ];
    this.report(
      path,
      "UNKNOWN_TABLE",
      `no table or view named \`${name}\`${known.length > 0 ? `; declared: ${known.join(", ")}` : " (none declared)"}`,
    );
    return undefined;
  }

  /** {@link lookup}, reporting a relation that cannot be read (a sink-only table). */
  readable(name: string, path: SpecPath): Relation | undefined {
    const relation = this.lookup(name, path);
    if (relation !== undefined && !relation.canRead) {
      this.report(
        path,
        "NOT_READABLE",
        `\`${name}\` is a sink-only table (print/blackhole) and cannot be read`,
      );
    }
    return relation;
  }

  checkProperties(
    connector: { allowsProperty(key: string): boolean },
    properties: ConnectorProperties | undefined,
    path: SpecPath,
  ): void {
    for (const key of Object.keys(properties ?? {})) {
      if (!connector.allowsProperty(key)) {
        this.report(
          [...path, key],
          "PROPERTY_NOT_ALLOWED",
          `connector property \`${key}\` is not allowed here: it is either set from the table's own fields or not a documented option of this connector`,
        );
      }
    }
  }
}
