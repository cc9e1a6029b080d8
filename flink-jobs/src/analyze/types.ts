import type { Interval } from "../expressions.ts";
import type { SpecProblem } from "../problems.ts";
import type { From } from "../query.ts";
import type { ViewSpec } from "../spec.ts";
import { isTimestampType, renderType, type SqlType } from "../sql-types.ts";

export type TimeAttribute = "rowtime" | "proctime";
export interface ColumnInfo {
  name: string;
  /** `null` when unknown (raw queries); unknown types are never reported as mismatches. */
  type: SqlType | null;
  time?: TimeAttribute | undefined;
}

/** A readable relation: a table, a view, an enrichment's output table, or a model's view. */
export interface Relation {
  name: string;
  origin: "table" | "view" | "enrichment-output" | "enrichment-requests" | "model";
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

/** A relation Sluice derives (a view, an enrichment's tables): never a lookup or upsert target. */
export function derivedRelation(
  name: string,
  origin: Relation["origin"],
  fields: Pick<Relation, "columns" | "canRead" | "hasWatermark"> & Partial<Relation>,
): Relation {
  return {
    name,
    origin,
    writableColumns: [],
    canWrite: false,
    canLookup: false,
    producesUpdates: false,
    acceptsUpdates: false,
    primaryKey: [],
    ...fields,
  };
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

export interface ScopeEntry {
  qualifier: string;
  columns: ColumnInfo[] | null;
}
export type Scope = ScopeEntry[];

export interface ExprContext {
  scope: Scope;
  /** Where aggregates may appear (select items and HAVING of a query). */
  aggregates: boolean;
  over: boolean;
}

/** A plain expression context: no aggregates, no OVER. */
export function rowContext(scope: Scope): ExprContext {
  return { scope, aggregates: false, over: false };
}

export interface ExprInfo {
  type: SqlType | null;
  time?: TimeAttribute | undefined;
  interval?: boolean;
}

export const UNKNOWN: ExprInfo = { type: null };
export const BOOLEAN: SqlType = { kind: "BOOLEAN" };
export const STRING: SqlType = { kind: "STRING" };
export const INT: SqlType = { kind: "INT" };
export const BIGINT: SqlType = { kind: "BIGINT" };
export const DOUBLE: SqlType = { kind: "DOUBLE" };
export const TIMESTAMP3: SqlType = { kind: "TIMESTAMP", precision: 3 };
export const TIMESTAMP_LTZ3: SqlType = { kind: "TIMESTAMP_LTZ", precision: 3 };

export function describeType(type: SqlType | null): string {
  return type === null ? "unknown" : renderType(type);
}

/** Whether a column of this type can carry a watermark: TIMESTAMP(p) or TIMESTAMP_LTZ(p), p <= 3. */
export function canCarryWatermark(type: SqlType): boolean {
  return isTimestampType(type) && "precision" in type && type.precision <= 3;
}

export function seconds(interval: Interval): number {
  const factor = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400 }[interval.unit];
  return interval.value * factor;
}

export function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
