import { z } from "zod";
import { defineConnector, propertiesSchema, ROLES } from "./connector.ts";

export const blackholeSchema = z.strictObject({
  kind: z.literal("blackhole"),
  properties: propertiesSchema.optional(),
});
export type BlackholeConnectorConfig = z.infer<typeof blackholeSchema>;

/** The `blackhole` connector: discards every row (sink only; for benchmarks and dry runs). */
export const blackholeConnector = defineConnector<BlackholeConnectorConfig>(ROLES.sink, {
  schema: blackholeSchema,
  options() {
    return [["connector", "blackhole"]];
  },
});
