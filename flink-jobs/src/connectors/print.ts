import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import { defineConnector, definedOptions, propertiesSchema, ROLES } from "./connector.ts";

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
  options: (config) =>
    definedOptions([
      ["connector", "print"],
      ["print-identifier", config.printIdentifier],
      ["standard-error", config.standardError?.toString()],
    ]),
  allowsProperty: (key) => key === "sink.parallelism",
});
