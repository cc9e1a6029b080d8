import { z } from "zod";
import type { ColumnSpec, TableSpec } from "./spec.ts";
import type { SqlType } from "./sql-types.ts";

/**
 * The zod schema of one record of a table as Flink's JSON format reads and
 * writes it (STYLE.md 4: declared columns give the row type in the builder and
 * the zod schema at the API). Physical columns only: computed and metadata
 * columns are not part of the record.
 *
 * @example
 * recordSchema(sensorData.toSpec()).parse({ device_id: "d1", timestamp: "2024-01-01 00:00:00", temperature: 21.5 });
 */
export function recordSchema(table: Pick<TableSpec, "columns">): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const column of table.columns as ColumnSpec[]) {
    if (column.kind === "physical") shape[column.name] = valueSchema(column.type).optional();
  }
  return z.object(shape);
}

/** `YYYY-MM-DD HH:MM:SS[.fff]` (Flink JSON's default `SQL` timestamp format) or ISO-8601 with `T`. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z?$/;

function valueSchema(type: SqlType): z.ZodType {
  const base = ((): z.ZodType => {
    switch (type.kind) {
      case "STRING":
      case "VARCHAR":
      case "CHAR":
        return "length" in type ? z.string().max(type.length) : z.string();
      case "BOOLEAN":
        return z.boolean();
      case "TINYINT":
      case "SMALLINT":
      case "INT":
      case "BIGINT":
        return z.number().int();
      case "FLOAT":
      case "DOUBLE":
      case "DECIMAL":
        return z.number();
      case "DATE":
        return z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
      case "TIME":
        return z.string().regex(/^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/);
      case "TIMESTAMP":
      case "TIMESTAMP_LTZ":
        return z.string().regex(TIMESTAMP_TEXT);
      case "BYTES":
        return z.string().base64();
      case "ARRAY":
        return z.array(valueSchema(type.element));
      case "MAP":
        return z.record(z.string(), valueSchema(type.value));
      case "ROW":
        return z.object(Object.fromEntries(type.fields.map((f) => [f.name, valueSchema(f.type).optional()])));
    }
  })();
  return type.nullable === false ? base : base.nullable();
}
