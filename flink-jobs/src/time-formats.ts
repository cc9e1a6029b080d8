import type { ColumnSpec, TimeFormat } from "./spec.ts";
import { quoteIdentifier, quoteLiteral } from "./sql-text.ts";
import type { SqlType } from "./sql-types.ts";

/** A typed time column of a table spec. */
export type TimeColumnSpec = Extract<ColumnSpec, { kind: "time" }>;

/**
 * `TO_TIMESTAMP_LTZ`'s pattern for ISO-8601 text in UTC: `T` separator, optional millis, `Z`.
 * Flink 2.2's TO_TIMESTAMP_LTZ(text, pattern) drops a parsed offset (`+02:00` came out two
 * hours late on the real stack), so only `Z` is accepted; other text gives NULL.
 */
export const ISO_8601_PATTERN = "yyyy-MM-dd'T'HH:mm:ss[.SSS]'Z'";

/** The JSON type of the record's field in each format (the physical column's type). */
export function timeFieldType(format: TimeFormat): SqlType {
  return format === "epoch-millis" || format === "epoch-seconds" ? { kind: "BIGINT" } : { kind: "STRING" };
}

/** The type of the computed time column: an instant for epochs and ISO-8601, a wall-clock time for SQL text. */
export function timeColumnType(format: TimeFormat): SqlType {
  return format === "sql" ? { kind: "TIMESTAMP", precision: 3 } : { kind: "TIMESTAMP_LTZ", precision: 3 };
}

/** The Flink expression that turns the field into the time column. */
export function timeExpression(field: string, format: TimeFormat): string {
  const f = quoteIdentifier(field);
  switch (format) {
    case "epoch-millis":
      return `TO_TIMESTAMP_LTZ(${f}, 3)`;
    case "epoch-seconds":
      return `TO_TIMESTAMP_LTZ(${f}, 0)`;
    case "iso-8601":
      return `TO_TIMESTAMP_LTZ(${f}, ${quoteLiteral(ISO_8601_PATTERN)})`;
    case "sql":
      return `TRY_CAST(${f} AS TIMESTAMP(3))`;
  }
}

/**
 * The two CREATE TABLE lines of a typed time column.
 *
 * @example
 * renderTimeColumn({ kind: "time", name: "ts", field: "timestamp", format: "epoch-millis" })
 * // ["`timestamp` BIGINT", "`ts` AS TO_TIMESTAMP_LTZ(`timestamp`, 3)"]
 */
export function renderTimeColumn(column: TimeColumnSpec): string[] {
  const type = timeFieldType(column.format);
  return [
    `${quoteIdentifier(column.field)} ${type.kind}`,
    `${quoteIdentifier(column.name)} AS ${timeExpression(column.field, column.format)}`,
  ];
}
