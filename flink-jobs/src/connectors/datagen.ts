import { z } from "zod";
import { defineConnector, definedOptions, propertiesSchema, ROLES } from "./connector.ts";

export const datagenSchema = z.strictObject({
  kind: z.literal("datagen"),
  rowsPerSecond: z.int().min(1).max(10_000_000).optional(),
  /** Makes the source bounded. */
  numberOfRows: z.int().min(1).optional(),
  properties: propertiesSchema.optional(),
});
export type DatagenConnectorConfig = z.infer<typeof datagenSchema>;

/** The `datagen` connector: random or sequential rows, for tests and demos (source only). */
export const datagenConnector = defineConnector<DatagenConnectorConfig>(ROLES.source, {
  schema: datagenSchema,
  options: (config) =>
    definedOptions([
      ["connector", "datagen"],
      ["rows-per-second", config.rowsPerSecond?.toString()],
      ["number-of-rows", config.numberOfRows?.toString()],
    ]),
  // Per-field generators: `fields.<column>.kind` = 'sequence', `fields.<column>.min` = '0', ...
  allowsProperty: (key) =>
    /^fields\.[^.]+\.(kind|min|max|max-past|length|start|end|null-rate|var-len)$/.test(key),
});
