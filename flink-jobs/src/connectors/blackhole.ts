import { z } from "zod";
import { type Connector, propertiesSchema } from "./connector.ts";

export const blackholeSchema = z.strictObject({
  kind: z.literal("blackhole"),
  properties: propertiesSchema.optional(),
});
export type BlackholeConnectorConfig = z.infer<typeof blackholeSchema>;

/** The `blackhole` connector: discards every row (sink only; for benchmarks and dry runs). */
export const blackholeConnector: Connector<BlackholeConnectorConfig> = {
  schema: blackholeSchema,
  canRead: false,
  canWrite: true,
  canLookup: false,
  producesUpdates: false,
  acceptsUpdates: true,
  metadataKeys: [],
  options() {
    return [["connector", "blackhole"]];
  },
  validate() {
    return [];
  },
  allowsProperty: () => false,
};
