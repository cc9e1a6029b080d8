import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import { defineConnector, type OptionValue, propertiesSchema, ROLES } from "./connector.ts";

export const printSchema = z.strictObject({
  kind: z.literal("print"),
  /** Prefix of each printed line in the TaskManager's log. */
  printIdentifier: literalTextSchema.max(200).optional(),
  standardError: z.boolean().optional(),
  properties: propertiesSchema.optional(),
});
export type PrintConnectorConfig = z.infer<typeof printSchema>;

/** The `print` connector: rows to the TaskManager's stdout (sink only). */
export const printConnector = defineConnector<PrintConnectorConfig>(ROLES.sink, {
  schema: printSchema,
  options(config) {
    const out: [string, OptionValue][] = [["connector", "print"]];
    if (config.printIdentifier !== undefined) out.push(["print-identifier", config.printIdentifier]);
    if (config.standardError !== undefined) out.push(["standard-error", String(config.standardError)]);
    return out;
  },
  allowsProperty: (key) => key === "sink.parallelism",
});
