import { z } from "zod";
import { hasControlCharacter } from "./sql-text.ts";

/**
 * Flink SQL data types, represented structurally so they can be validated and
 * rendered without ever pasting a user string into the SQL.
 *
 * @example
 * { kind: "DECIMAL", precision: 10, scale: 2 }            // DECIMAL(10, 2)
 * { kind: "ARRAY", element: { kind: "STRING" } }          // ARRAY<STRING>
 * { kind: "TIMESTAMP_LTZ", precision: 3, nullable: false } // TIMESTAMP_LTZ(3) NOT NULL
 */
export type SqlType =
  | { kind: SimpleTypeKind; nullable?: boolean | undefined }
  | { kind: "CHAR" | "VARCHAR"; length: number; nullable?: boolean | undefined }
  | { kind: "DECIMAL"; precision: number; scale: number; nullable?: boolean | undefined }
  | { kind: "TIME" | "TIMESTAMP" | "TIMESTAMP_LTZ"; precision: number; nullable?: boolean | undefined }
  | { kind: "ARRAY"; element: SqlType; nullable?: boolean | undefined }
  | { kind: "MAP"; key: SqlType; value: SqlType; nullable?: boolean | undefined }
  | {
      kind: "ROW";
      fields: { name: string; type: SqlType }[];
      nullable?: boolean | undefined;
    };

export const SIMPLE_TYPE_KINDS = [
  "STRING",
  "BOOLEAN",
  "TINYINT",
  "SMALLINT",
  "INT",
  "BIGINT",
  "FLOAT",
  "DOUBLE",
  "DATE",
  "BYTES",
] as const;
export type SimpleTypeKind = (typeof SIMPLE_TYPE_KINDS)[number];
export type SqlTypeKind = SqlType["kind"];

const nullable = z.boolean().optional();
/** Row field names follow the identifier rule; kept local to avoid an import cycle. */
const fieldName = z
  .string()
  .min(1)
  .max(128)
  .refine(
    (s) => !s.includes("`") && !hasControlCharacter(s),
    "a field name may not contain backticks or control characters",
  );

export const sqlTypeSchema: z.ZodType<SqlType> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.enum(SIMPLE_TYPE_KINDS), nullable }),
    z.strictObject({ kind: z.enum(["CHAR", "VARCHAR"]), length: z.int().min(1).max(2147483647), nullable }),
    z.strictObject({
      kind: z.literal("DECIMAL"),
      precision: z.int().min(1).max(38),
      scale: z.int().min(0).max(38),
      nullable,
    }),
    z.strictObject({
      kind: z.enum(["TIME", "TIMESTAMP", "TIMESTAMP_LTZ"]),
      precision: z.int().min(0).max(9),
      nullable,
    }),
    z.strictObject({ kind: z.literal("ARRAY"), element: sqlTypeSchema, nullable }),
    z.strictObject({ kind: z.literal("MAP"), key: sqlTypeSchema, value: sqlTypeSchema, nullable }),
    z.strictObject({
      kind: z.literal("ROW"),
      fields: z.array(z.strictObject({ name: fieldName, type: sqlTypeSchema })).min(1),
      nullable,
    }),
  ]),
);
// Named, so that JSON Schema and OpenAPI documents reference it as a component (it is recursive).
z.globalRegistry.add(sqlTypeSchema, { id: "SqlType", description: "A Flink SQL data type" });

/** Renders a type as Flink SQL: `DECIMAL(10, 2)`, `ROW<\`a\` INT, \`b\` STRING>`, `INT NOT NULL`. */
export function renderType(type: SqlType): string {
  const suffix = type.nullable === false ? " NOT NULL" : "";
  return renderBaseType(type) + suffix;
}

function renderBaseType(type: SqlType): string {
  switch (type.kind) {
    case "CHAR":
    case "VARCHAR":
      return `${type.kind}(${type.length})`;
    case "DECIMAL":
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case "TIME":
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ":
      return `${type.kind}(${type.precision})`;
    case "ARRAY":
      return `ARRAY<${renderType(type.element)}>`;
    case "MAP":
      return `MAP<${renderType(type.key)}, ${renderType(type.value)}>`;
    case "ROW":
      return `ROW<${type.fields.map((f) => `\`${f.name.replaceAll("`", "``")}\` ${renderType(f.type)}`).join(", ")}>`;
    default:
      return type.kind;
  }
}

/**
 * Coarse type families used by validation: two expressions are comparable when
 * their families are, and a query column fits a sink column of the same family.
 */
export type TypeFamily =
  | "string"
  | "number"
  | "boolean"
  | "timestamp"
  | "date"
  | "time"
  | "bytes"
  | "array"
  | "map"
  | "row";

export function typeFamily(type: SqlType): TypeFamily {
  switch (type.kind) {
    case "STRING":
    case "CHAR":
    case "VARCHAR":
      return "string";
    case "TINYINT":
    case "SMALLINT":
    case "INT":
    case "BIGINT":
    case "FLOAT":
    case "DOUBLE":
    case "DECIMAL":
      return "number";
    case "BOOLEAN":
      return "boolean";
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ":
      return "timestamp";
    case "DATE":
      return "date";
    case "TIME":
      return "time";
    case "BYTES":
      return "bytes";
    case "ARRAY":
      return "array";
    case "MAP":
      return "map";
    case "ROW":
      return "row";
  }
}

/** Numeric kinds in widening order; a value fits a sink whose kind is at least as wide. */
const NUMERIC_RANK: Partial<Record<SqlTypeKind, number>> = {
  TINYINT: 1,
  SMALLINT: 2,
  INT: 3,
  BIGINT: 4,
  DECIMAL: 5,
  FLOAT: 6,
  DOUBLE: 7,
};

/**
 * Whether Flink can write a value of type `from` into a column of type `to`
 * without an explicit CAST (same family; numbers only widen).
 */
export function isAssignable(from: SqlType, to: SqlType): boolean {
  const ff = typeFamily(from);
  if (ff !== typeFamily(to)) return false;
  if (ff === "number") {
    return (NUMERIC_RANK[from.kind] ?? 0) <= (NUMERIC_RANK[to.kind] ?? 0);
  }
  if (ff === "array" && from.kind === "ARRAY" && to.kind === "ARRAY") {
    return isAssignable(from.element, to.element);
  }
  return true;
}

/** The wider of two numeric types (for arithmetic, CASE branches, COALESCE). */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  return (NUMERIC_RANK[a.kind] ?? 0) >= (NUMERIC_RANK[b.kind] ?? 0) ? a : b;
}

export function isTimestampType(type: SqlType): boolean {
  return type.kind === "TIMESTAMP" || type.kind === "TIMESTAMP_LTZ";
}
