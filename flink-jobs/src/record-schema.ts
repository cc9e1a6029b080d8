import { z } from "zod";
import type { ColumnSpec, TableSpec, TimeFormat } from "./spec.ts";
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
    if (column.kind === "time") shape[column.field] = timeFieldSchema(column.format).optional();
  }
  return z.object(shape);
}

/** `YYYY-MM-DD HH:MM:SS[.fff]` (Flink JSON's default `SQL` timestamp format) or ISO-8601 with `T`. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z?$/;

/** A typed time's field: an integer for epochs, the format's text otherwise (null allowed). */
function timeFieldSchema(format: TimeFormat): z.ZodType {
  if (format === "epoch-millis" || format === "epoch-seconds") return z.int().nullable();
  const text = format === "sql" ? SQL_TIME_TEXT : ISO_UTC_TEXT;
  return z.string().regex(text).nullable();
}

const SQL_TIME_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const ISO_UTC_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

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
