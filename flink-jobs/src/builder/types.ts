import type { Expr } from "../expressions.ts";
import type { ColumnSpec } from "../spec.ts";
import type { SqlType, TypeFamily } from "../sql-types.ts";

/**
 * Type families as the builders see them: what a column or expression holds,
 * at the type level. Comparing or assigning across families is a TypeScript
 * error (a string is never compared with a number).
 */
export type Family = TypeFamily | "interval";

/** A typed expression: the spec node plus its family (and, for arrays, the element family). */
export interface Ex<F extends Family = Family, E = unknown> {
  readonly node: Expr;
  readonly family: F;
  /** Element family of an ARRAY (set at runtime for arrays, typed for inference). */
  readonly element?: E;
}

/** A declared column: how it renders in CREATE TABLE and what family it has. */
export interface ColumnDef<F extends Family = Family, E = unknown> {
  readonly family: F;
  readonly element?: E;
  toColumn(name: string): ColumnSpec;
  /** Physical and persisted metadata columns can be written by an INSERT. */
  readonly writable: boolean;
  /** The Flink type, when it is declared (computed columns have none). */
  readonly sqlType: SqlType | undefined;
}

/** A Flink SQL type with its family: what `t.string()`, `t.double()`... return. */
export interface TypeDef<F extends Family = Family, E = unknown> extends ColumnDef<F, E> {
  readonly sqlType: SqlType;
  /** The same type with `NOT NULL`. */
  notNull(): TypeDef<F, E>;
}

function typeDef<F extends Family, E = unknown>(
  family: F,
  sqlType: SqlType,
  element?: Family,
): TypeDef<F, E> {
  return {
    family,
    sqlType,
    ...(element === undefined ? {} : { element: element as E }),
    writable: true,
    toColumn: (name) => ({ kind: "physical", name, type: sqlType }),
    notNull: () => typeDef<F, E>(family, { ...sqlType, nullable: false }, element),
  };
}

/**
 * Column types, drizzle-style.
 *
 * @example
 * const columns = { device_id: t.string(), temperature: t.double(), ts: t.timestamp(3) };
 * // CREATE TABLE ... (`device_id` STRING, `temperature` DOUBLE, `ts` TIMESTAMP(3))
 */
export const t = {
  string: () => typeDef<"string">("string", { kind: "STRING" }),
  varchar: (length: number) => typeDef<"string">("string", { kind: "VARCHAR", length }),
  char: (length: number) => typeDef<"string">("string", { kind: "CHAR", length }),
  boolean: () => typeDef<"boolean">("boolean", { kind: "BOOLEAN" }),
  tinyint: () => typeDef<"number">("number", { kind: "TINYINT" }),
  smallint: () => typeDef<"number">("number", { kind: "SMALLINT" }),
  int: () => typeDef<"number">("number", { kind: "INT" }),
  bigint: () => typeDef<"number">("number", { kind: "BIGINT" }),
  float: () => typeDef<"number">("number", { kind: "FLOAT" }),
  double: () => typeDef<"number">("number", { kind: "DOUBLE" }),
  decimal: (precision: number, scale: number) =>
    typeDef<"number">("number", { kind: "DECIMAL", precision, scale }),
  date: () => typeDef<"date">("date", { kind: "DATE" }),
  time: (precision = 0) => typeDef<"time">("time", { kind: "TIME", precision }),
  timestamp: (precision = 3) => typeDef<"timestamp">("timestamp", { kind: "TIMESTAMP", precision }),
  timestampLtz: (precision = 3) => typeDef<"timestamp">("timestamp", { kind: "TIMESTAMP_LTZ", precision }),
  bytes: () => typeDef<"bytes">("bytes", { kind: "BYTES" }),
  array: <F extends Family, E>(element: TypeDef<F, E>) =>
    typeDef<"array", F>("array", { kind: "ARRAY", element: element.sqlType }, element.family),
  map: (key: TypeDef, value: TypeDef) =>
    typeDef<"map">("map", { kind: "MAP", key: key.sqlType, value: value.sqlType }),
  row: (fields: Record<string, TypeDef>) =>
    typeDef<"row">("row", {
      kind: "ROW",
      fields: Object.entries(fields).map(([name, def]) => ({ name, type: def.sqlType })),
    }),
};

/** The family of a Flink type (for rows built from spec types, e.g. views over raw SQL). */
export type FamilyOf<D> = D extends { family: infer F extends Family } ? F : never;
export type ElementOf<D> = D extends { element?: infer E } ? E : unknown;

/** The row of typed expressions a set of column definitions gives. */
export type RowOf<Cols> = { [K in keyof Cols]: Ex<FamilyOf<Cols[K]>, ElementOf<Cols[K]>> };

/** Any row of typed expressions. */
export type AnyRow = Record<string, Ex<Family, unknown>>;
