import { type Connector, type ConnectorProperties, connectorFor, connectors } from "./connectors/index.ts";
import type { AggregateFn, Expr, ExprKind, FunctionName, Interval } from "./expressions.ts";
import { formatPath, type SpecPath, type SpecProblem } from "./problems.ts";
import type { From, FromKind, Query, QueryKind, RawPart } from "./query.ts";
import type { EnrichmentSpec, JobSpec, TableSpec, ViewSpec } from "./spec.ts";
import {
  isAssignable,
  isTimestampType,
  renderType,
  type SqlType,
  type TypeFamily,
  typeFamily,
  widerNumeric,
} from "./sql-types.ts";

/**
 * Semantic analysis of a parsed spec: resolves every table, view and column,
 * infers expression types, and reports problems with JSON paths. The compiler
 * reuses what it learns (output columns, view order).
 */

export type TimeAttribute = "rowtime" | "proctime";
export interface ColumnInfo {
  name: string;
  /** `null` when unknown (raw queries); unknown types are never reported as mismatches. */
  type: SqlType | null;
  time?: TimeAttribute | undefined;
}

/** A readable relation: a table, a view, or an enrichment's output table. */
export interface Relation {
  name: string;
  origin: "table" | "view" | "enrichment-output" | "enrichment-requests";
  /** `null` for a relation whose columns are unknown (a view over a raw query). */
  columns: ColumnInfo[] | null;
  /** Columns an INSERT writes (tables only): physical and persisted metadata columns. */
  writableColumns: ColumnInfo[];
  canRead: boolean;
  canWrite: boolean;
  canLookup: boolean;
  /** Reading it yields updates (upsert source, or a view over an updating query). */
  producesUpdates: boolean;
  /** Inserting updates into it is possible (upsert-kafka, jdbc, print, blackhole). */
  acceptsUpdates: boolean;
  primaryKey: string[];
  hasWatermark: boolean;
}

export interface Analysis {
  problems: SpecProblem[];
  relations: Map<string, Relation>;
  /** Views in an order where each comes after the views it reads. */
  viewOrder: ViewSpec[];
  /** Output column names of each `from` node (for `topN` rendering). */
  fromColumns: WeakMap<From, string[]>;
  /** Carried columns of each enrichment (id, text, then the others). */
  enrichmentColumns: Map<string, ColumnInfo[]>;
}

interface ScopeEntry {
  qualifier: string;
  columns: ColumnInfo[] | null;
}
type Scope = ScopeEntry[];

interface ExprContext {
  scope: Scope;
  /** Where aggregates may appear (select items and HAVING of a query). */
  aggregates: boolean;
  over: boolean;
}

interface ExprInfo {
  type: SqlType | null;
  time?: TimeAttribute | undefined;
  interval?: boolean;
}

const UNKNOWN: ExprInfo = { type: null };
const BOOLEAN: SqlType = { kind: "BOOLEAN" };
const STRING: SqlType = { kind: "STRING" };
const INT: SqlType = { kind: "INT" };
const BIGINT: SqlType = { kind: "BIGINT" };
const DOUBLE: SqlType = { kind: "DOUBLE" };
const TIMESTAMP3: SqlType = { kind: "TIMESTAMP", precision: 3 };
const TIMESTAMP_LTZ3: SqlType = { kind: "TIMESTAMP_LTZ", precision: 3 };

function describeType(type: SqlType | null): string {
  return type === null ? "unknown" : renderType(type);
}

function seconds(interval: Interval): number {
  const factor = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400 }[interval.unit];
  return interval.value * factor;
}

function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Scalar function signatures: argument families (the last one repeats) and result type. */
interface FunctionSignature {
  min: number;
  max: number;
  args: (TypeFamily | "any")[];
  result: (args: (SqlType | null)[]) => SqlType | null;
  time?: TimeAttribute;
}
const first = (args: (SqlType | null)[]) => args[0] ?? null;
const FUNCTIONS: Record<FunctionName, FunctionSignature> = {
  LOWER: { min: 1, max: 1, args: ["string"], result: () => STRING },
  UPPER: { min: 1, max: 1, args: ["string"], result: () => STRING },
  TRIM: { min: 1, max: 1, args: ["string"], result: () => STRING },
  CHAR_LENGTH: { min: 1, max: 1, args: ["string"], result: () => INT },
  CONCAT: { min: 1, max: 100, args: ["string"], result: () => STRING },
  SUBSTR: { min: 2, max: 3, args: ["string", "number", "number"], result: () => STRING },
  REPLACE: { min: 3, max: 3, args: ["string"], result: () => STRING },
  ABS: { min: 1, max: 1, args: ["number"], result: first },
  SQRT: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  POWER: { min: 2, max: 2, args: ["number"], result: () => DOUBLE },
  FLOOR: { min: 1, max: 1, args: ["number"], result: first },
  CEIL: { min: 1, max: 1, args: ["number"], result: first },
  ROUND: { min: 1, max: 2, args: ["number"], result: first },
  LN: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  EXP: { min: 1, max: 1, args: ["number"], result: () => DOUBLE },
  MOD: { min: 2, max: 2, args: ["number"], result: (a) => a[1] ?? null },
  DATE_FORMAT: { min: 2, max: 2, args: ["timestamp", "string"], result: () => STRING },
  TO_TIMESTAMP_LTZ: { min: 2, max: 2, args: ["number", "number"], result: () => TIMESTAMP_LTZ3 },
  TO_TIMESTAMP: { min: 1, max: 2, args: ["string", "string"], result: () => TIMESTAMP3 },
  COALESCE: { min: 1, max: 100, args: ["any"], result: (a) => a.find((t) => t !== null) ?? null },
  CARDINALITY: { min: 1, max: 1, args: ["any"], result: () => INT },
  PROCTIME: { min: 0, max: 0, args: [], result: () => TIMESTAMP_LTZ3, time: "proctime" },
  CURRENT_TIMESTAMP: { min: 0, max: 0, args: [], result: () => TIMESTAMP_LTZ3 },
};

const WINDOW_COLUMNS = ["window_start", "window_end", "window_time"];

class Analyzer {
  readonly problems: SpecProblem[] = [];
  readonly relations = new Map<string, Relation>();
  readonly viewOrder: ViewSpec[] = [];
  readonly fromColumns = new WeakMap<From, string[]>();
  readonly enrichmentColumns = new Map<string, ColumnInfo[]>();
  private readonly viewState = new Map<string, "pending" | "done">();
  private readonly views = new Map<string, { view: ViewSpec; index: number }>();
  private readonly enrichments = new Map<string, { enrichment: EnrichmentSpec; index: number }>();

  private readonly spec: JobSpec;

  constructor(spec: JobSpec) {
    this.spec = spec;
  }

  report(path: SpecPath, code: string, message: string): void {
    this.problems.push({ path, code, message });
  }

  run(): void {
    const spec = this.spec;
    const declared = new Map<string, SpecPath>();
    const claim = (name: string, path: SpecPath, what: string) => {
      const previous = declared.get(name);
      if (previous !== undefined) {
        this.report(
          path,
          "DUPLICATE_NAME",
          `${what} \`${name}\` is already declared at ${formatPath(previous)}`,
        );
      } else declared.set(name, path);
    };
    spec.tables.forEach((t, i) => {
      claim(t.name, ["tables", i, "name"], "table");
    });
    spec.views.forEach((v, i) => {
      claim(v.name, ["views", i, "name"], "view");
    });
    spec.enrichments.forEach((e, i) => {
      claim(e.name, ["enrichments", i, "name"], "enrichment output table");
      claim(`${e.name}_requests`, ["enrichments", i, "name"], "enrichment request table");
    });

    this.checkProperties(connectors.kafka, spec.kafka?.properties, ["kafka", "properties"]);
    spec.tables.forEach((t, i) => {
      if (!this.relations.has(t.name)) this.relations.set(t.name, this.analyzeTable(t, ["tables", i]));
    });
    spec.views.forEach((view, index) => {
      if (!this.views.has(view.name)) this.views.set(view.name, { view, index });
    });
    spec.enrichments.forEach((enrichment, index) => {
      if (!this.enrichments.has(enrichment.name))
        this.enrichments.set(enrichment.name, { enrichment, index });
    });
    for (const { view, index } of this.views.values()) this.resolveView(view, index);
    for (const { enrichment, index } of this.enrichments.values()) this.resolveEnrichment(enrichment, index);

    spec.inserts.forEach((insert, i) => {
      const path: SpecPath = ["inserts", i];
      const output = this.analyzeQuery(insert.query, [...path, "query"]);
      const target = this.lookup(insert.into, [...path, "into"]);
      if (target === undefined) return;
      if (target.origin !== "table") {
        this.report(
          [...path, "into"],
          "NOT_A_TABLE",
          `\`${insert.into}\` is a ${target.origin.replace("-", " ")}, not a sink table`,
        );
        return;
      }
      if (!target.canWrite) {
        this.report(
          [...path, "into"],
          "NOT_WRITABLE",
          `table \`${insert.into}\` uses a source-only connector and cannot be written`,
        );
        return;
      }
      let columns = target.writableColumns;
      if (insert.columns !== undefined) {
        columns = [];
        insert.columns.forEach((name, j) => {
          const column = target.writableColumns.find((c) => c.name === name);
          if (column === undefined) {
            this.report(
              [...path, "columns", j],
              "UNKNOWN_COLUMN",
              `\`${name}\` is not a writable column of \`${insert.into}\` (writable: ${target.writableColumns.map((c) => c.name).join(", ")})`,
            );
          } else columns.push(column);
        });
        if (columns.length !== insert.columns.length) return;
      }
      if (!target.acceptsUpdates && this.queryUpdating(insert.query)) {
        this.report(
          [...path, "query"],
          "SINK_NEEDS_APPEND_ONLY",
          `this query produces updates (a GROUP BY outside a window, DISTINCT, an outer join, a top-N or an upsert source) but \`${insert.into}\` can only append; write to an upsert-kafka table with a primary key, or aggregate per window`,
        );
      }
      if (output === null) return;
      if (output.length !== columns.length) {
        this.report(
          [...path, "query"],
          "SINK_COLUMN_COUNT",
          `the query produces ${output.length} column(s) (${output.map((c) => c.name).join(", ")}) but \`${insert.into}\` expects ${columns.length} (${columns.map((c) => c.name).join(", ")})`,
        );
        return;
      }
      output.forEach((column, j) => {
        const sink = columns[j];
        if (sink === undefined || column.type === null || sink.type === null) return;
        if (!isAssignable(column.type, sink.type)) {
          const at = insert.query.kind === "select" ? [...path, "query", "select", j] : [...path, "query"];
          this.report(
            at,
            "SINK_TYPE_MISMATCH",
            `column ${j + 1} \`${column.name}\` is ${describeType(column.type)} but sink column \`${sink.name}\` of \`${insert.into}\` is ${describeType(sink.type)}; add a CAST`,
          );
        }
      });
    });

    if (spec.inserts.length === 0 && spec.enrichments.length === 0) {
      this.report(
        ["inserts"],
        "NO_INSERTS",
        "a job needs at least one insert (or enrichment): otherwise it computes nothing",
      );
    }
  }

  lookup(name: string, path: SpecPath): Relation | undefined {
    const found = this.relations.get(name);
    if (found !== undefined) return found;
    const view = this.views.get(name);
    if (view !== undefined) return this.resolveView(view.view, view.index);
    const enrichment = this.enrichments.get(name);
    if (enrichment !== undefined) return this.resolveEnrichment(enrichment.enrichment, enrichment.index);
    const known = [
      ...this.spec.tables.map((t) => t.name),
      ...this.spec.views.map((v) => v.name),
      ...this.spec.enrichments.map((e) => e.name),
    ];
    this.report(
      path,
      "UNKNOWN_TABLE",
      `no table or view named \`${name}\`${known.length > 0 ? `; declared: ${known.join(", ")}` : " (none declared)"}`,
    );
    return undefined;
  }

  private resolveView(view: ViewSpec, index: number): Relation | undefined {
    const state = this.viewState.get(view.name);
    if (state === "done") return this.relations.get(view.name);
    if (state === "pending") {
      this.report(
        ["views", index, "query"],
        "VIEW_CYCLE",
        `view \`${view.name}\` reads itself (directly or through other views)`,
      );
      return undefined;
    }
    this.viewState.set(view.name, "pending");
    const columns = this.analyzeQuery(view.query, ["views", index, "query"]);
    const relation: Relation = {
      name: view.name,
      origin: "view",
      columns,
      writableColumns: [],
      canRead: true,
      canWrite: false,
      canLookup: false,
      producesUpdates: this.queryUpdating(view.query),
      acceptsUpdates: false,
      primaryKey: [],
      hasWatermark: columns?.some((c) => c.time === "rowtime") ?? false,
    };
    this.relations.set(view.name, relation);
    this.viewState.set(view.name, "done");
    this.viewOrder.push(view);
    return relation;
  }

  // ---------------------------------------------------------------- tables

  private analyzeTable(table: TableSpec, path: SpecPath): Relation {
    const columns: ColumnInfo[] = [];
    const writable: ColumnInfo[] = [];
    const seen = new Set<string>();
    table.columns.forEach((column, i) => {
      const at: SpecPath = [...path, "columns", i];
      if (seen.has(column.name)) {
        this.report(
          [...at, "name"],
          "DUPLICATE_COLUMN",
          `column \`${column.name}\` appears twice in table \`${table.name}\``,
        );
        return;
      }
      seen.add(column.name);
      if (column.kind === "computed") {
        const info = this.inferExpr(column.expression, [...at, "expression"], {
          scope: [{ qualifier: table.name, columns: [...columns] }],
          aggregates: false,
          over: false,
        });
        columns.push({ name: column.name, type: info.type, time: info.time });
      } else {
        const info: ColumnInfo = { name: column.name, type: column.type };
        columns.push(info);
        if (column.kind === "physical" || !column.virtual) writable.push(info);
      }
    });

    const primaryKey = table.primaryKey ?? [];
    primaryKey.forEach((name, i) => {
      const column = table.columns.find((c) => c.name === name);
      if (column === undefined) {
        this.report(
          [...path, "primaryKey", i],
          "UNKNOWN_COLUMN",
          `primary key column \`${name}\` is not a column of \`${table.name}\``,
        );
      } else if (column.kind !== "physical") {
        this.report(
          [...path, "primaryKey", i],
          "PRIMARY_KEY_NOT_PHYSICAL",
          `primary key column \`${name}\` must be a physical column`,
        );
      }
    });

    if (table.watermark !== undefined) {
      const column = columns.find((c) => c.name === table.watermark?.column);
      if (column === undefined) {
        this.report(
          [...path, "watermark", "column"],
          "UNKNOWN_COLUMN",
          `watermark column \`${table.watermark.column}\` is not a column of \`${table.name}\``,
        );
      } else if (
        column.type !== null &&
        !(isTimestampType(column.type) && "precision" in column.type && column.type.precision <= 3)
      ) {
        this.report(
          [...path, "watermark", "column"],
          "WATERMARK_NOT_TIMESTAMP",
          `a watermark needs a TIMESTAMP(p) or TIMESTAMP_LTZ(p) column with p <= 3, but \`${column.name}\` is ${describeType(column.type)}; declare a computed column such as TO_TIMESTAMP_LTZ(epoch_millis, 3)`,
        );
      } else column.time = "rowtime";
    }

    const connector = connectorFor(table.connector) as Connector<typeof table.connector>;
    table.columns.forEach((column, i) => {
      if (column.kind !== "metadata") return;
      const key = column.key ?? column.name;
      if (!connector.metadataKeys.includes(key)) {
        this.report(
          [...path, "columns", i, column.key === undefined ? "name" : "key"],
          "METADATA_KEY_UNKNOWN",
          connector.metadataKeys.length === 0
            ? `the ${table.connector.kind} connector exposes no metadata`
            : `the ${table.connector.kind} connector has no metadata \`${key}\`; available: ${connector.metadataKeys.join(", ")}`,
        );
      }
    });
    const context = {
      jobName: this.spec.name,
      tableName: table.name,
      columns,
      primaryKey: table.primaryKey,
      kafka: this.spec.kafka,
    };
    this.problems.push(...connector.validate(table.connector, context, [...path, "connector"]));
    this.checkProperties(connector, table.connector.properties, [...path, "connector", "properties"]);

    return {
      name: table.name,
      origin: "table",
      columns,
      writableColumns: writable,
      canRead: connector.canRead,
      canWrite: connector.canWrite,
      canLookup: connector.canLookup,
      producesUpdates: connector.producesUpdates,
      acceptsUpdates: connector.acceptsUpdates,
      primaryKey,
      hasWatermark: table.watermark !== undefined,
    };
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

  // ------------------------------------------------------------ enrichments

  private resolveEnrichment(enrichment: EnrichmentSpec, index: number): Relation | undefined {
    const existing = this.relations.get(enrichment.name);
    if (existing !== undefined) return existing;
    const path: SpecPath = ["enrichments", index];
    // Registered first so that a view reading this output while we resolve the input does not loop.
    const placeholder: Relation = {
      name: enrichment.name,
      origin: "enrichment-output",
      columns: null,
      writableColumns: [],
      canRead: true,
      canWrite: false,
      canLookup: false,
      producesUpdates: false,
      acceptsUpdates: false,
      primaryKey: [],
      hasWatermark: enrichment.watermark !== undefined,
    };
    this.relations.set(enrichment.name, placeholder);
    const input = this.lookup(enrichment.input, [...path, "input"]);
    if (input === undefined) return placeholder;
    if (!input.canRead) {
      this.report(
        [...path, "input"],
        "NOT_READABLE",
        `\`${enrichment.input}\` is a sink-only table and cannot be read`,
      );
    }
    const inputColumns = input.columns;
    if (inputColumns === null) {
      this.report(
        [...path, "input"],
        "UNKNOWN_COLUMNS",
        `the columns of \`${enrichment.input}\` are unknown (a raw query); enrich a table or a structured view`,
      );
      return placeholder;
    }
    const find = (name: string, at: SpecPath): ColumnInfo | undefined => {
      const column = inputColumns.find((c) => c.name === name);
      if (column === undefined) {
        this.report(
          at,
          "UNKNOWN_COLUMN",
          `\`${name}\` is not a column of \`${enrichment.input}\` (columns: ${inputColumns.map((c) => c.name).join(", ")})`,
        );
      }
      return column;
    };
    const id = find(enrichment.idField, [...path, "idField"]);
    const text = find(enrichment.textField, [...path, "textField"]);
    if (text?.type != null && typeFamily(text.type) !== "string") {
      this.report(
        [...path, "textField"],
        "TYPE_MISMATCH",
        `the text field \`${text.name}\` must be a string, but it is ${describeType(text.type)}`,
      );
    }
    const carried: ColumnInfo[] = [];
    if (enrichment.carry !== undefined) {
      enrichment.carry.forEach((name, i) => {
        const column = find(name, [...path, "carry", i]);
        if (column !== undefined && name !== enrichment.idField && name !== enrichment.textField)
          carried.push(column);
      });
    } else {
      const table = this.spec.tables.find((t) => t.name === enrichment.input);
      const physical =
        table === undefined
          ? null
          : new Set(table.columns.filter((c) => c.kind === "physical").map((c) => c.name));
      for (const column of inputColumns) {
        if (column.name === enrichment.idField || column.name === enrichment.textField) continue;
        if (physical !== null && !physical.has(column.name)) continue;
        if (column.time === "proctime") continue;
        carried.push(column);
      }
    }
    const outputField = enrichment.task.outputField ?? "themes";
    const outputType: SqlType =
      enrichment.task.kind === "custom" ? enrichment.task.outputType : { kind: "ARRAY", element: STRING };
    const all: ColumnInfo[] = [];
    for (const c of [id, text, ...carried]) {
      if (c !== undefined && !all.some((a) => a.name === c.name)) all.push({ name: c.name, type: c.type });
    }
    if (all.some((c) => c.name === outputField)) {
      this.report(
        [...path, "task", "outputField"],
        "DUPLICATE_COLUMN",
        `the output field \`${outputField}\` is already a carried column; name it differently`,
      );
    }
    if (all.some((c) => c.type === null)) {
      this.report([...path, "input"], "UNKNOWN_COLUMNS", "every carried column needs a known type");
    }
    this.enrichmentColumns.set(enrichment.name, all);
    const outputColumns: ColumnInfo[] = [
      ...all.map((c) => ({ ...c })),
      { name: outputField, type: outputType },
    ];
    if (enrichment.watermark !== undefined) {
      const column = outputColumns.find((c) => c.name === enrichment.watermark?.column);
      if (column === undefined) {
        this.report(
          [...path, "watermark", "column"],
          "UNKNOWN_COLUMN",
          `watermark column \`${enrichment.watermark.column}\` is not carried through the enrichment`,
        );
      } else if (
        column.type !== null &&
        !(isTimestampType(column.type) && "precision" in column.type && column.type.precision <= 3)
      ) {
        this.report(
          [...path, "watermark", "column"],
          "WATERMARK_NOT_TIMESTAMP",
          `a watermark needs a TIMESTAMP(p)/TIMESTAMP_LTZ(p) column with p <= 3, but \`${column.name}\` is ${describeType(column.type)}`,
        );
      } else column.time = "rowtime";
    }
    const inputTable = this.spec.tables.find((t) => t.name === enrichment.input);
    const inputBootstrap =
      inputTable !== undefined && "bootstrapServers" in inputTable.connector
        ? inputTable.connector.bootstrapServers
        : undefined;
    if ((enrichment.bootstrapServers ?? this.spec.kafka?.bootstrapServers ?? inputBootstrap) === undefined) {
      this.report(
        [...path, "bootstrapServers"],
        "MISSING_BOOTSTRAP_SERVERS",
        "no Kafka bootstrap servers: set `bootstrapServers` here or `kafka.bootstrapServers` for the whole job",
      );
    }
    const requestTopic = enrichment.requestTopic ?? `sluice.${this.spec.name}.${enrichment.name}.requests`;
    if (requestTopic === enrichment.outputTopic) {
      this.report(
        [...path, "outputTopic"],
        "TOPIC_CONFLICT",
        "the output topic must differ from the request topic",
      );
    }
    placeholder.columns = outputColumns;
    this.relations.set(`${enrichment.name}_requests`, {
      name: `${enrichment.name}_requests`,
      origin: "enrichment-requests",
      columns: all,
      writableColumns: all,
      canRead: false,
      canWrite: false,
      canLookup: false,
      producesUpdates: false,
      acceptsUpdates: false,
      primaryKey: [],
      hasWatermark: false,
    });
    return placeholder;
  }

  // ------------------------------------------------------ changelog kinds

  /**
   * Whether a query emits updates rather than appends only, as Flink's planner
   * will decide. Conservative: when unsure (raw SQL) it answers "appends", so
   * a problem is only reported when the sink would certainly reject the job.
   */
  queryUpdating(query: Query): boolean {
    switch (query.kind) {
      case "raw":
        return false;
      case "topN": {
        const keepsFirst = query.limit === 1 && query.orderBy.every((o) => o.direction !== "DESC");
        return !keepsFirst || this.fromUpdating(query.from);
      }
      case "select": {
        const windowed = query.from.kind === "window";
        const aggregated =
          (query.groupBy?.length ?? 0) > 0 || query.select.some((s) => containsKind(s.expr, "aggregate"));
        if ((aggregated || query.distinct === true) && !windowed) return true;
        return this.fromUpdating(query.from);
      }
    }
  }

  private fromUpdating(from: From): boolean {
    switch (from.kind) {
      case "table":
        return this.relations.get(from.name)?.producesUpdates ?? false;
      case "window":
        return this.relations.get(from.table)?.producesUpdates ?? false;
      case "join":
        return from.join !== "INNER" || this.fromUpdating(from.left) || this.fromUpdating(from.right);
      case "temporalJoin":
        return this.fromUpdating(from.left);
      case "unnest":
        return this.fromUpdating(from.from);
      case "subquery":
        return this.queryUpdating(from.query);
    }
  }

  // ---------------------------------------------------------------- queries

  /** Output columns of a query, or `null` when they cannot be known (raw SQL). */
  analyzeQuery(query: Query, path: SpecPath): ColumnInfo[] | null {
    const handler = this.queryHandlers[query.kind] as (q: Query, p: SpecPath) => ColumnInfo[] | null;
    return handler(query, path);
  }

  private readonly queryHandlers: {
    [K in QueryKind]: (q: Extract<Query, { kind: K }>, p: SpecPath) => ColumnInfo[] | null;
  } = {
    select: (q, path) => {
      const scope = this.analyzeFrom(q.from, [...path, "from"]);
      if (q.where !== undefined) {
        this.expectBoolean(
          this.inferExpr(q.where, [...path, "where"], { scope, aggregates: false, over: false }),
          [...path, "where"],
          "`where`",
        );
      }
      (q.groupBy ?? []).forEach((e, i) => {
        this.inferExpr(e, [...path, "groupBy", i], { scope, aggregates: false, over: false });
      });
      const aggregated =
        (q.groupBy?.length ?? 0) > 0 || q.select.some((s) => containsKind(s.expr, "aggregate"));
      const output: ColumnInfo[] = [];
      const names = new Set<string>();
      let overWindow: unknown;
      q.select.forEach((item, i) => {
        const at: SpecPath = [...path, "select", i];
        const info = this.inferExpr(item.expr, [...at, "expr"], {
          scope,
          aggregates: true,
          over: !aggregated,
        });
        const name = item.as ?? (item.expr.kind === "column" ? item.expr.name : undefined);
        if (name === undefined) {
          this.report([...at, "as"], "MISSING_ALIAS", "give this computed column a name with `as`");
          return;
        }
        if (names.has(name))
          this.report(at, "DUPLICATE_COLUMN", `the query outputs two columns named \`${name}\``);
        names.add(name);
        for (const over of collect(item.expr, "over")) {
          const window = { partitionBy: over.partitionBy, orderBy: over.orderBy, frame: over.frame };
          if (overWindow === undefined) overWindow = window;
          else if (!sameTree(overWindow, window)) {
            this.report(
              [...at, "expr"],
              "OVER_WINDOW_MISMATCH",
              "all OVER aggregates of one query must use the same partitionBy, orderBy and frame (Flink supports one OVER window per SELECT)",
            );
          }
        }
        if (aggregated) this.checkGrouped(item.expr, q.groupBy ?? [], [...at, "expr"]);
        const keepsTime = !aggregated || (item.expr.kind === "column" && item.expr.name === "window_time");
        output.push({ name, type: info.type, time: keepsTime ? info.time : undefined });
      });
      if (aggregated && q.from.kind === "window") {
        const grouped = new Set((q.groupBy ?? []).flatMap((e) => (e.kind === "column" ? [e.name] : [])));
        if (!grouped.has("window_start") || !grouped.has("window_end")) {
          this.report(
            [...path, "groupBy"],
            "WINDOW_GROUP_BY",
            "a window aggregation must group by `window_start` and `window_end`",
          );
        }
      }
      if (q.having !== undefined) {
        if (!aggregated)
          this.report(
            [...path, "having"],
            "HAVING_WITHOUT_GROUP_BY",
            "`having` needs `groupBy` or aggregates",
          );
        const info = this.inferExpr(q.having, [...path, "having"], { scope, aggregates: true, over: false });
        this.expectBoolean(info, [...path, "having"], "`having`");
      }
      return output;
    },
    topN: (q, path) => {
      const scope = this.analyzeFrom(q.from, [...path, "from"]);
      const ctx: ExprContext = { scope, aggregates: false, over: false };
      q.partitionBy.forEach((e, i) => {
        this.inferExpr(e, [...path, "partitionBy", i], ctx);
      });
      q.orderBy.forEach((o, i) => {
        this.inferExpr(o.expr, [...path, "orderBy", i, "expr"], ctx);
      });
      const columns = this.flatten(scope, [...path, "from"]);
      if (columns === null) {
        this.report(
          [...path, "from"],
          "UNKNOWN_COLUMNS",
          "top-N needs a source whose columns are known (not a raw query)",
        );
        return null;
      }
      if (q.rankAs !== undefined) {
        if (columns.some((c) => c.name === q.rankAs)) {
          this.report(
            [...path, "rankAs"],
            "DUPLICATE_COLUMN",
            `\`${q.rankAs}\` is already a column of the source`,
          );
        }
        return [...columns, { name: q.rankAs, type: BIGINT }];
      }
      return columns;
    },
    raw: (q, path) => {
      this.checkRaw(q.parts, path);
      return null;
    },
  };

  /** Columns of a scope as one list (subquery or top-N output); names must be unique. */
  private flatten(scope: Scope, path: SpecPath): ColumnInfo[] | null {
    if (scope.some((e) => e.columns === null)) return null;
    const out: ColumnInfo[] = [];
    for (const entry of scope) {
      for (const column of entry.columns ?? []) {
        if (out.some((c) => c.name === column.name)) {
          this.report(
            path,
            "AMBIGUOUS_COLUMN",
            `column \`${column.name}\` comes from two inputs; select it explicitly in a subquery`,
          );
        } else out.push(column);
      }
    }
    return out;
  }

  private checkGrouped(expr: Expr, groupBy: Expr[], path: SpecPath): void {
    if (groupBy.some((g) => sameTree(g, expr))) return;
    if (expr.kind === "aggregate" || expr.kind === "literal" || expr.kind === "interval") return;
    if (expr.kind === "column") {
      if (!groupBy.some((g) => g.kind === "column" && g.name === expr.name)) {
        this.report(
          path,
          "NOT_GROUPED",
          `\`${expr.name}\` is neither in \`groupBy\` nor inside an aggregate (COUNT, SUM, ...)`,
        );
      }
      return;
    }
    forEachChild(expr, (child, key) => this.checkGrouped(child, groupBy, [...path, ...key]));
  }

  private analyzeFrom(from: From, path: SpecPath): Scope {
    const handler = this.fromHandlers[from.kind] as (f: From, p: SpecPath) => Scope;
    const scope = handler(from, path);
    if (scope.every((e) => e.columns !== null)) {
      this.fromColumns.set(
        from,
        scope.flatMap((e) => (e.columns ?? []).map((c) => c.name)),
      );
    }
    return scope;
  }

  private readable(name: string, path: SpecPath): Relation | undefined {
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

  private readonly fromHandlers: { [K in FromKind]: (f: Extract<From, { kind: K }>, p: SpecPath) => Scope } =
    {
      table: (f, path) => {
        const relation = this.readable(f.name, [...path, "name"]);
        return [{ qualifier: f.as ?? f.name, columns: relation === undefined ? null : relation.columns }];
      },
      window: (f, path) => {
        const relation = this.readable(f.table, [...path, "table"]);
        const w = f.window;
        if (w.kind === "hop" && seconds(w.size) % Math.max(1, seconds(w.slide)) !== 0) {
          this.report(
            [...path, "window", "size"],
            "WINDOW_SIZE_NOT_MULTIPLE",
            "a HOP window's size must be a whole multiple of its slide",
          );
        }
        if (w.kind === "cumulate" && seconds(w.size) % Math.max(1, seconds(w.step)) !== 0) {
          this.report(
            [...path, "window", "size"],
            "WINDOW_SIZE_NOT_MULTIPLE",
            "a CUMULATE window's size must be a whole multiple of its step",
          );
        }
        if (relation === undefined || relation.columns === null)
          return [{ qualifier: f.as ?? f.table, columns: null }];
        const columns = relation.columns;
        const time = columns.find((c) => c.name === f.timeColumn);
        if (time === undefined) {
          this.report(
            [...path, "timeColumn"],
            "UNKNOWN_COLUMN",
            `\`${f.timeColumn}\` is not a column of \`${f.table}\``,
          );
        } else if (time.time === undefined) {
          this.report(
            [...path, "timeColumn"],
            "WINDOW_NOT_TIME_ATTRIBUTE",
            `windows need a time attribute: \`${f.timeColumn}\` has no watermark and is not PROCTIME(); declare \`watermark: { column: "${f.timeColumn}", ... }\` on \`${f.table}\``,
          );
        }
        if (w.kind === "session") {
          (w.partitionBy ?? []).forEach((name, i) => {
            if (!columns.some((c) => c.name === name)) {
              this.report(
                [...path, "window", "partitionBy", i],
                "UNKNOWN_COLUMN",
                `\`${name}\` is not a column of \`${f.table}\``,
              );
            }
          });
        }
        for (const name of WINDOW_COLUMNS) {
          if (columns.some((c) => c.name === name)) {
            this.report(
              [...path, "table"],
              "DUPLICATE_COLUMN",
              `\`${f.table}\` already has a column \`${name}\`, which the window adds`,
            );
          }
        }
        const timeType = time?.type ?? TIMESTAMP3;
        return [
          {
            qualifier: f.as ?? f.table,
            columns: [
              // The windowed table's original time column becomes a plain timestamp.
              ...columns.map((c) => ({ name: c.name, type: c.type })),
              { name: "window_start", type: TIMESTAMP3 },
              { name: "window_end", type: TIMESTAMP3 },
              { name: "window_time", type: timeType, time: time?.time ?? "rowtime" },
            ],
          },
        ];
      },
      join: (f, path) => {
        const scope = [
          ...this.analyzeFrom(f.left, [...path, "left"]),
          ...this.analyzeFrom(f.right, [...path, "right"]),
        ];
        this.checkQualifiers(scope, path);
        this.expectBoolean(
          this.inferExpr(f.on, [...path, "on"], { scope, aggregates: false, over: false }),
          [...path, "on"],
          "the join condition",
        );
        return scope;
      },
      temporalJoin: (f, path) => {
        const left = this.analyzeFrom(f.left, [...path, "left"]);
        const right = this.readable(f.right, [...path, "right"]);
        const asOf = this.inferExpr(f.asOf, [...path, "asOf"], {
          scope: left,
          aggregates: false,
          over: false,
        });
        if (right !== undefined) {
          if (asOf.time === undefined && asOf.type !== null) {
            this.report(
              [...path, "asOf"],
              "TEMPORAL_JOIN_TIME",
              "`asOf` must be a time attribute of the left side (a watermarked column or PROCTIME())",
            );
          } else if (asOf.time === "rowtime" && (right.primaryKey.length === 0 || !right.hasWatermark)) {
            this.report(
              [...path, "right"],
              "TEMPORAL_JOIN_NOT_VERSIONED",
              `an event-time temporal join needs a versioned table: \`${f.right}\` must declare a primaryKey and a watermark`,
            );
          } else if (asOf.time === "proctime" && !right.canLookup) {
            this.report(
              [...path, "right"],
              "LOOKUP_NOT_SUPPORTED",
              `\`${f.right}\` cannot serve lookup joins (use a jdbc table, or join on event time)`,
            );
          }
        }
        const scope: Scope = [...left, { qualifier: f.rightAs ?? f.right, columns: right?.columns ?? null }];
        this.checkQualifiers(scope, path);
        this.expectBoolean(
          this.inferExpr(f.on, [...path, "on"], { scope, aggregates: false, over: false }),
          [...path, "on"],
          "the join condition",
        );
        return scope;
      },
      unnest: (f, path) => {
        const scope = this.analyzeFrom(f.from, [...path, "from"]);
        const array = this.inferExpr(f.array, [...path, "array"], { scope, aggregates: false, over: false });
        let columns: ColumnInfo[] | null = f.columns.map((name) => ({ name, type: null }));
        if (array.type !== null) {
          if (array.type.kind !== "ARRAY") {
            this.report(
              [...path, "array"],
              "UNNEST_NOT_ARRAY",
              `UNNEST needs an ARRAY, got ${describeType(array.type)}`,
            );
          } else {
            const element = array.type.element;
            const types = element.kind === "ROW" ? element.fields.map((x) => x.type) : [element];
            if (types.length !== f.columns.length) {
              this.report(
                [...path, "columns"],
                "UNNEST_COLUMN_COUNT",
                `the array's elements have ${types.length} field(s) but ${f.columns.length} column name(s) are given`,
              );
            } else columns = f.columns.map((name, i) => ({ name, type: types[i] ?? null }));
          }
        }
        const out = [...scope, { qualifier: f.as, columns }];
        this.checkQualifiers(out, path);
        return out;
      },
      subquery: (f, path) => [{ qualifier: f.as, columns: this.analyzeQuery(f.query, [...path, "query"]) }],
    };

  private checkQualifiers(scope: Scope, path: SpecPath): void {
    const seen = new Set<string>();
    for (const entry of scope) {
      if (seen.has(entry.qualifier)) {
        this.report(
          path,
          "DUPLICATE_ALIAS",
          `\`${entry.qualifier}\` is used twice in one FROM; give one side an alias with \`as\``,
        );
      }
      seen.add(entry.qualifier);
    }
  }

  // ------------------------------------------------------------ expressions

  private expectBoolean(info: ExprInfo, path: SpecPath, what: string): void {
    if (info.type !== null && typeFamily(info.type) !== "boolean") {
      this.report(
        path,
        "TYPE_MISMATCH",
        `${what} must be a condition (BOOLEAN), but it is ${describeType(info.type)}`,
      );
    }
  }

  private expectFamily(info: ExprInfo, families: TypeFamily[], path: SpecPath, what: string): void {
    if (info.type !== null && !families.includes(typeFamily(info.type))) {
      this.report(
        path,
        "TYPE_MISMATCH",
        `${what} must be ${families.join(" or ")}, but it is ${describeType(info.type)}`,
      );
    }
  }

  private comparable(a: ExprInfo, b: ExprInfo, path: SpecPath, what: string): void {
    if (a.type === null || b.type === null) return;
    if (typeFamily(a.type) !== typeFamily(b.type)) {
      this.report(
        path,
        "TYPE_MISMATCH",
        `${what}: cannot compare ${describeType(a.type)} with ${describeType(b.type)}`,
      );
    }
  }

  inferExpr(expr: Expr, path: SpecPath, ctx: ExprContext): ExprInfo {
    const handler = this.exprHandlers[expr.kind] as (e: Expr, p: SpecPath, c: ExprContext) => ExprInfo;
    return handler(expr, path, ctx);
  }

  private resolveColumn(name: string, table: string | undefined, path: SpecPath, scope: Scope): ExprInfo {
    const entries = table === undefined ? scope : scope.filter((e) => e.qualifier === table);
    if (table !== undefined && entries.length === 0) {
      this.report(
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
      this.report(
        [...path, "name"],
        "UNKNOWN_COLUMN",
        `no column \`${name}\`${table === undefined ? "" : ` in \`${table}\``}; available: ${available.join(", ")}`,
      );
      return UNKNOWN;
    }
    if (matches.length > 1) {
      this.report(
        [...path, "name"],
        "AMBIGUOUS_COLUMN",
        `\`${name}\` exists in several inputs; qualify it with \`table\``,
      );
      return UNKNOWN;
    }
    const match = matches[0] as ColumnInfo;
    return { type: match.type, time: match.time };
  }

  private aggregateInfo(fn: AggregateFn, arg: Expr | undefined, path: SpecPath, ctx: ExprContext): ExprInfo {
    if (arg === undefined) {
      if (fn !== "COUNT") this.report(path, "MISSING_ARGUMENT", `${fn} needs an argument`);
      return { type: BIGINT };
    }
    const info = this.inferExpr(arg, [...path, "arg"], { ...ctx, aggregates: false, over: false });
    if (fn === "COUNT") return { type: BIGINT };
    if (fn === "MIN" || fn === "MAX") return { type: info.type };
    this.expectFamily(info, ["number"], [...path, "arg"], `the argument of ${fn}`);
    // Flink widens a DECIMAL sum to the maximum precision, keeping the scale: SUM(DECIMAL(12, 2)) is DECIMAL(38, 2).
    if (fn === "SUM" && info.type?.kind === "DECIMAL") return { type: { ...info.type, precision: 38 } };
    return { type: info.type };
  }

  private readonly exprHandlers: {
    [K in ExprKind]: (e: Extract<Expr, { kind: K }>, p: SpecPath, c: ExprContext) => ExprInfo;
  } = {
    column: (e, path, ctx) => this.resolveColumn(e.name, e.table, path, ctx.scope),
    literal: (e, path) => {
      if (e.type !== undefined) return { type: e.type };
      if (typeof e.value === "string") return { type: STRING };
      if (typeof e.value === "boolean") return { type: BOOLEAN };
      if (typeof e.value === "number") {
        if (!Number.isInteger(e.value)) return { type: DOUBLE };
        if (!Number.isSafeInteger(e.value)) {
          this.report(
            path,
            "NUMBER_TOO_LARGE",
            "integer literals must be within ±2^53; use a string with a DECIMAL type",
          );
        }
        return { type: Math.abs(e.value) <= 2147483647 ? INT : BIGINT };
      }
      return UNKNOWN;
    },
    interval: () => ({ type: null, interval: true }),
    compare: (e, path, ctx) => {
      const left = this.inferExpr(e.left, [...path, "left"], ctx);
      const right = this.inferExpr(e.right, [...path, "right"], ctx);
      this.comparable(left, right, path, `\`${e.op}\``);
      return { type: BOOLEAN };
    },
    logical: (e, path, ctx) => {
      e.operands.forEach((o, i) => {
        this.expectBoolean(
          this.inferExpr(o, [...path, "operands", i], ctx),
          [...path, "operands", i],
          `an operand of ${e.op}`,
        );
      });
      return { type: BOOLEAN };
    },
    not: (e, path, ctx) => {
      this.expectBoolean(
        this.inferExpr(e.operand, [...path, "operand"], ctx),
        [...path, "operand"],
        "the operand of NOT",
      );
      return { type: BOOLEAN };
    },
    arithmetic: (e, path, ctx) => {
      const left = this.inferExpr(e.left, [...path, "left"], ctx);
      const right = this.inferExpr(e.right, [...path, "right"], ctx);
      if (
        left.type !== null &&
        isTimestampType(left.type) &&
        right.interval &&
        (e.op === "+" || e.op === "-")
      ) {
        return { type: left.type };
      }
      this.expectFamily(left, ["number"], [...path, "left"], `the left side of \`${e.op}\``);
      this.expectFamily(right, ["number"], [...path, "right"], `the right side of \`${e.op}\``);
      if (left.interval || right.interval) {
        this.report(path, "TYPE_MISMATCH", "intervals can only be added to or subtracted from timestamps");
      }
      if (left.type === null || right.type === null) return UNKNOWN;
      return { type: widerNumeric(left.type, right.type) };
    },
    isNull: (e, path, ctx) => {
      this.inferExpr(e.operand, [...path, "operand"], ctx);
      return { type: BOOLEAN };
    },
    like: (e, path, ctx) => {
      this.expectFamily(
        this.inferExpr(e.operand, [...path, "operand"], ctx),
        ["string"],
        [...path, "operand"],
        "the operand of LIKE",
      );
      return { type: BOOLEAN };
    },
    in: (e, path, ctx) => {
      const operand = this.inferExpr(e.operand, [...path, "operand"], ctx);
      e.values.forEach((v, i) => {
        this.comparable(
          operand,
          this.inferExpr(v, [...path, "values", i], ctx),
          [...path, "values", i],
          "IN",
        );
      });
      return { type: BOOLEAN };
    },
    between: (e, path, ctx) => {
      const operand = this.inferExpr(e.operand, [...path, "operand"], ctx);
      this.comparable(operand, this.inferExpr(e.low, [...path, "low"], ctx), [...path, "low"], "BETWEEN");
      this.comparable(operand, this.inferExpr(e.high, [...path, "high"], ctx), [...path, "high"], "BETWEEN");
      return { type: BOOLEAN };
    },
    case: (e, path, ctx) => {
      let result: SqlType | null = null;
      e.whens.forEach((w, i) => {
        this.expectBoolean(
          this.inferExpr(w.when, [...path, "whens", i, "when"], ctx),
          [...path, "whens", i, "when"],
          "a WHEN condition",
        );
        const then = this.inferExpr(w.result, [...path, "whens", i, "result"], ctx);
        result = this.mergeBranch(result, then.type, [...path, "whens", i, "result"]);
      });
      if (e.else !== undefined) {
        result = this.mergeBranch(result, this.inferExpr(e.else, [...path, "else"], ctx).type, [
          ...path,
          "else",
        ]);
      }
      return { type: result };
    },
    cast: (e, path, ctx) => {
      this.inferExpr(e.operand, [...path, "operand"], ctx);
      return { type: e.to };
    },
    call: (e, path, ctx) => {
      const signature = FUNCTIONS[e.fn];
      if (e.args.length < signature.min || e.args.length > signature.max) {
        const expected =
          signature.min === signature.max ? `${signature.min}` : `${signature.min} to ${signature.max}`;
        this.report(
          [...path, "args"],
          "WRONG_ARGUMENT_COUNT",
          `${e.fn} takes ${expected} argument(s), got ${e.args.length}`,
        );
      }
      const types = e.args.map((arg, i) => {
        const info = this.inferExpr(arg, [...path, "args", i], ctx);
        const family = signature.args[Math.min(i, signature.args.length - 1)] ?? "any";
        if (family !== "any")
          this.expectFamily(info, [family], [...path, "args", i], `argument ${i + 1} of ${e.fn}`);
        return info.type;
      });
      if (e.fn === "CARDINALITY" && types[0] != null && !["array", "map"].includes(typeFamily(types[0]))) {
        this.report(
          [...path, "args", 0],
          "TYPE_MISMATCH",
          `CARDINALITY needs an ARRAY or MAP, got ${describeType(types[0])}`,
        );
      }
      return { type: signature.result(types), time: signature.time };
    },
    timestampAdd: (e, path, ctx) => {
      this.expectFamily(
        this.inferExpr(e.amount, [...path, "amount"], ctx),
        ["number"],
        [...path, "amount"],
        "the amount of TIMESTAMPADD",
      );
      const operand = this.inferExpr(e.operand, [...path, "operand"], ctx);
      this.expectFamily(operand, ["timestamp", "date"], [...path, "operand"], "the operand of TIMESTAMPADD");
      return { type: operand.type };
    },
    aggregate: (e, path, ctx) => {
      if (!ctx.aggregates) {
        this.report(
          path,
          "AGGREGATE_NOT_ALLOWED",
          `${e.fn}(...) is an aggregate: it may appear in \`select\` and \`having\`, not here`,
        );
      }
      return this.aggregateInfo(e.fn, e.arg, path, ctx);
    },
    over: (e, path, ctx) => {
      if (!ctx.over) {
        this.report(
          path,
          "OVER_NOT_ALLOWED",
          "OVER aggregates may only appear in the `select` of a query without `groupBy`",
        );
      }
      const inner: ExprContext = { ...ctx, aggregates: false, over: false };
      e.partitionBy.forEach((p, i) => {
        this.inferExpr(p, [...path, "partitionBy", i], inner);
      });
      const order = this.inferExpr(e.orderBy, [...path, "orderBy"], inner);
      if (order.type !== null && order.time === undefined) {
        this.report(
          [...path, "orderBy"],
          "OVER_ORDER_NOT_TIME_ATTRIBUTE",
          "an OVER window must be ordered by a time attribute (a watermarked column or PROCTIME())",
        );
      }
      return this.aggregateInfo(e.fn, e.arg, path, inner);
    },
  };

  private mergeBranch(current: SqlType | null, next: SqlType | null, path: SpecPath): SqlType | null {
    if (current === null) return next;
    if (next === null) return current;
    if (typeFamily(current) !== typeFamily(next)) {
      this.report(
        path,
        "TYPE_MISMATCH",
        `CASE branches must have one type: ${describeType(current)} vs ${describeType(next)}`,
      );
      return current;
    }
    return typeFamily(current) === "number" ? widerNumeric(current, next) : current;
  }

  // -------------------------------------------------------------- raw SQL

  private checkRaw(parts: RawPart[], path: SpecPath): void {
    const tokens = tokenizeRaw(parts);
    if ("error" in tokens) {
      this.report([...path, "parts", tokens.part], tokens.code, tokens.error);
      return;
    }
    const list = tokens.tokens;
    const firstToken = list[0];
    if (
      firstToken === undefined ||
      firstToken.kind !== "word" ||
      firstToken.text.toUpperCase() !== "SELECT"
    ) {
      this.report(
        [...path, "parts", 0],
        "RAW_NOT_SINGLE_SELECT",
        "a raw query must be one SELECT statement (start with SELECT)",
      );
    }
    const referenced: string[] = [];
    let depth = 0;
    const fromDepths: number[] = [];
    // Parentheses opened by a function call: a FROM inside them is an argument
    // keyword (EXTRACT(HOUR FROM ts), TRIM(BOTH ' ' FROM s)), not a table reference.
    const callDepths = new Set<number>();
    const NOT_CALLS = new Set([
      "SELECT",
      "FROM",
      "JOIN",
      "IN",
      "EXISTS",
      "AS",
      "ON",
      "WHERE",
      "AND",
      "OR",
      "NOT",
      "LATERAL",
      "UNION",
      "ALL",
      "ANY",
      "SOME",
      "BY",
      "HAVING",
    ]);
    const expectTable = (index: number) => {
      const next = list[index];
      if (next === undefined) return;
      if (next.kind === "ref") return;
      if (next.kind === "punct" && next.text === "(") return;
      if (next.kind === "word" && ["LATERAL", "UNNEST", "TABLE"].includes(next.text.toUpperCase())) return;
      this.report(
        [...path, "parts", next.part],
        "RAW_UNDECLARED_TABLE",
        `a raw query may only read declared tables and views, interpolated as \${table}; found \`${next.text}\``,
      );
    };
    list.forEach((token, i) => {
      if (token.kind === "punct") {
        if (token.text === ";") {
          this.report(
            [...path, "parts", token.part],
            "RAW_NOT_SINGLE_SELECT",
            "a raw query must be a single statement: remove the `;`",
          );
        } else if (token.text === "(") {
          depth++;
          const previous = list[i - 1];
          if (previous?.kind === "word" && !NOT_CALLS.has(previous.text.toUpperCase())) callDepths.add(depth);
        } else if (token.text === ")") {
          while (fromDepths.length > 0 && (fromDepths.at(-1) ?? 0) >= depth) fromDepths.pop();
          callDepths.delete(depth);
          depth--;
        } else if (token.text === "," && fromDepths.at(-1) === depth) expectTable(i + 1);
        return;
      }
      if (token.kind === "ref") {
        if (token.ref.kind === "tableRef") {
          referenced.push(token.ref.name);
          this.readable(token.ref.name, [...path, "parts", token.part, "name"]);
        }
        return;
      }
      if (token.kind !== "word") return;
      const word = token.text.toUpperCase();
      if (word === "FROM" && callDepths.has(depth)) return;
      if (word === "FROM") {
        fromDepths.push(depth);
        expectTable(i + 1);
      } else if (word === "JOIN" || word === "TABLE") expectTable(i + 1);
      else if (["WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "WINDOW", "ON"].includes(word)) {
        if (fromDepths.at(-1) === depth) fromDepths.pop();
      }
    });
    for (const token of list) {
      if (token.kind !== "ref" || token.ref.kind !== "columnRef") continue;
      const ref = token.ref;
      const owners = ref.table !== undefined ? [ref.table] : referenced;
      const known = owners
        .map((name) => this.relations.get(name))
        .filter((r): r is Relation => r !== undefined);
      if (known.length === 0 || known.some((r) => r.columns === null)) continue;
      if (!known.some((r) => r.columns?.some((c) => c.name === ref.name))) {
        this.report(
          [...path, "parts", token.part, "name"],
          "UNKNOWN_COLUMN",
          `no column \`${ref.name}\` in ${owners.map((o) => `\`${o}\``).join(", ")}`,
        );
      }
    }
  }
}

type RawToken =
  | { kind: "word" | "punct" | "literal" | "identifier" | "number"; text: string; part: number }
  | { kind: "ref"; text: string; part: number; ref: Exclude<RawPart, string> };

/**
 * A small tokenizer for raw SELECTs: it understands '...' literals (with ''),
 * `...` identifiers (with ``), and rejects comments, whose end-of-line
 * semantics could hide the rest of a statement set.
 */
export function tokenizeRaw(
  parts: RawPart[],
): { tokens: RawToken[] } | { error: string; code: string; part: number } {
  const tokens: RawToken[] = [];
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as RawPart;
    if (typeof part !== "string") {
      tokens.push({ kind: "ref", text: part.name, part: p, ref: part });
      continue;
    }
    let i = 0;
    while (i < part.length) {
      const ch = part[i] as string;
      if (/\s/.test(ch)) {
        i++;
      } else if (ch === "'" || ch === "`") {
        let j = i + 1;
        for (;;) {
          if (j >= part.length) {
            return {
              error: `unterminated ${ch === "'" ? "string literal" : "quoted identifier"} (each text piece must close its own quotes)`,
              code: "RAW_SYNTAX",
              part: p,
            };
          }
          if (part[j] === ch) {
            if (part[j + 1] === ch) j += 2;
            else break;
          } else j++;
        }
        tokens.push({ kind: ch === "'" ? "literal" : "identifier", text: part.slice(i, j + 1), part: p });
        i = j + 1;
      } else if (part.startsWith("--", i) || part.startsWith("/*", i)) {
        return { error: "comments are not allowed in a raw query", code: "RAW_COMMENT", part: p };
      } else if (/[A-Za-z_]/.test(ch)) {
        let j = i;
        while (j < part.length && /[A-Za-z0-9_$]/.test(part[j] as string)) j++;
        tokens.push({ kind: "word", text: part.slice(i, j), part: p });
        i = j;
      } else if (/[0-9]/.test(ch)) {
        let j = i;
        while (j < part.length && /[0-9.eE]/.test(part[j] as string)) j++;
        tokens.push({ kind: "number", text: part.slice(i, j), part: p });
        i = j;
      } else {
        tokens.push({ kind: "punct", text: ch, part: p });
        i++;
      }
    }
  }
  return { tokens };
}

function forEachChild(expr: Expr, visit: (child: Expr, key: (string | number)[]) => void): void {
  for (const [key, value] of Object.entries(expr)) {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (isExpr(v)) visit(v, [key, i]);
        else if (v !== null && typeof v === "object") {
          for (const [k2, v2] of Object.entries(v)) if (isExpr(v2)) visit(v2, [key, i, k2]);
        }
      });
    } else if (isExpr(value)) visit(value, [key]);
  }
}

const EXPR_KINDS: ReadonlySet<string> = new Set<ExprKind>([
  "column",
  "literal",
  "interval",
  "compare",
  "logical",
  "not",
  "arithmetic",
  "isNull",
  "like",
  "in",
  "between",
  "case",
  "cast",
  "call",
  "timestampAdd",
  "aggregate",
  "over",
]);

function isExpr(value: unknown): value is Expr {
  return (
    value !== null &&
    typeof value === "object" &&
    "kind" in value &&
    typeof value.kind === "string" &&
    EXPR_KINDS.has(value.kind)
  );
}

function collect<K extends ExprKind>(expr: Expr, kind: K): Extract<Expr, { kind: K }>[] {
  const out: Extract<Expr, { kind: K }>[] = [];
  const walk = (e: Expr) => {
    if (e.kind === kind) out.push(e as Extract<Expr, { kind: K }>);
    forEachChild(e, walk);
  };
  walk(expr);
  return out;
}

function containsKind(expr: Expr, kind: ExprKind): boolean {
  return collect(expr, kind).length > 0;
}

export function analyzeSpec(spec: JobSpec): Analysis {
  const analyzer = new Analyzer(spec);
  analyzer.run();
  return {
    problems: analyzer.problems,
    relations: analyzer.relations,
    viewOrder: analyzer.viewOrder,
    fromColumns: analyzer.fromColumns,
    enrichmentColumns: analyzer.enrichmentColumns,
  };
}
