import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import type { SpecPath, SpecProblem } from "../problems.ts";
import type { OptionValue } from "./connector.ts";

/**
 * Serialisation formats. The stack ships `flink-json` and `flink-csv` (and
 * `raw` is built in); Avro is accepted by the schema only to answer with a
 * clear problem instead of a cryptic Flink error.
 */
export const formatSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("json"),
    ignoreParseErrors: z.boolean().optional(),
    failOnMissingField: z.boolean().optional(),
    /** How TIMESTAMP values are written: `SQL` = "2024-01-01 12:00:00", `ISO-8601` = "2024-01-01T12:00:00". */
    timestampFormat: z.enum(["SQL", "ISO-8601"]).optional(),
    /**
     * Write DECIMAL values in plain notation with their scale: a DECIMAL(12, 2)
     * 60.30 as `60.30` and 100.00 as `100.00`. Without it Flink drops trailing
     * zeros (`60.3`) and may use an exponent (`1E+2`).
     */
    decimalAsPlainNumber: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal("csv"),
    fieldDelimiter: literalTextSchema.length(1).optional(),
    ignoreParseErrors: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal("raw") }),
  z.strictObject({ kind: z.literal("avro") }),
]);
export type Format = z.infer<typeof formatSchema>;

/**
 * Options of a format under a prefix: `""` gives `'format' = 'json'`,
 * `"value."` gives `'value.format' = 'json'` and `'value.json.ignore-parse-errors'`.
 */
export function formatOptions(format: Format, prefix: string): [string, OptionValue][] {
  const out: [string, OptionValue][] = [[`${prefix}format`, format.kind]];
  if (format.kind === "json") {
    if (format.ignoreParseErrors !== undefined)
      out.push([`${prefix}json.ignore-parse-errors`, String(format.ignoreParseErrors)]);
    if (format.failOnMissingField !== undefined)
      out.push([`${prefix}json.fail-on-missing-field`, String(format.failOnMissingField)]);
    if (format.timestampFormat !== undefined)
      out.push([`${prefix}json.timestamp-format.standard`, format.timestampFormat]);
    if (format.decimalAsPlainNumber !== undefined)
      out.push([`${prefix}json.encode.decimal-as-plain-number`, String(format.decimalAsPlainNumber)]);
  } else if (format.kind === "csv") {
    if (format.fieldDelimiter !== undefined)
      out.push([`${prefix}csv.field-delimiter`, format.fieldDelimiter]);
    if (format.ignoreParseErrors !== undefined)
      out.push([`${prefix}csv.ignore-parse-errors`, String(format.ignoreParseErrors)]);
  }
  return out;
}

export function validateFormat(format: Format, path: SpecPath): SpecProblem[] {
  if (format.kind === "avro") {
    return [
      {
        path: [...path, "kind"],
        code: "FORMAT_NOT_AVAILABLE",
        message:
          "the Avro format is not installed on this Flink cluster (it ships flink-json and flink-csv); use 'json', 'csv' or 'raw'",
      },
    ];
  }
  return [];
}
