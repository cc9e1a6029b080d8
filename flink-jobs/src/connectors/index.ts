import { z } from "zod";
import { blackholeConnector, blackholeSchema } from "./blackhole.ts";
import type { Connector, ConnectorProperties } from "./connector.ts";
import { datagenConnector, datagenSchema } from "./datagen.ts";
import { filesystemConnector, filesystemSchema } from "./filesystem.ts";
import { jdbcConnector, jdbcSchema } from "./jdbc.ts";
import { kafkaConnector, kafkaSchema } from "./kafka.ts";
import { printConnector, printSchema } from "./print.ts";
import { upsertKafkaConnector, upsertKafkaSchema } from "./upsert-kafka.ts";

type SchemaConfig = z.output<typeof connectorConfigSchema>;
/** Every `kind` the table schema accepts, each mapped to a connector whose settings have that kind. */
type Registry = {
  [K in SchemaConfig["kind"]]: Connector<Extract<SchemaConfig, { kind: K }>> & {
    readonly schema: { readonly _zod: { readonly output: { kind: K } } };
  };
};

/**
 * The connector registry. Adding a connector = one module + one line here and
 * its schema in `connectorConfigSchema`; the `satisfies` makes a kind without
 * a connector, or a connector registered under another kind, a compile error.
 */
export const connectors = {
  kafka: kafkaConnector,
  "upsert-kafka": upsertKafkaConnector,
  filesystem: filesystemConnector,
  jdbc: jdbcConnector,
  datagen: datagenConnector,
  print: printConnector,
  blackhole: blackholeConnector,
} as const satisfies Registry;

export type ConnectorKind = keyof typeof connectors;
export const CONNECTOR_KINDS = Object.keys(connectors) as ConnectorKind[];

type ConfigOf<K extends ConnectorKind> = (typeof connectors)[K] extends Connector<infer C> ? C : never;
/** A table's `connector` field: one of the connectors' own settings, tagged by `kind`. */
export type ConnectorConfig = { [K in ConnectorKind]: ConfigOf<K> }[ConnectorKind];

export const connectorConfigSchema = z.discriminatedUnion("kind", [
  kafkaSchema,
  upsertKafkaSchema,
  filesystemSchema,
  jdbcSchema,
  datagenSchema,
  printSchema,
  blackholeSchema,
]);

/** The connector module for a table's settings (the one place that indexes the registry). */
export function connectorFor(
  config: ConnectorConfig,
): Connector<ConnectorConfig & { properties?: ConnectorProperties }> {
  return connectors[config.kind] as unknown as Connector<ConnectorConfig>;
}

export type { Connector, ConnectorProperties, OptionValue, SecretRef, TableContext } from "./connector.ts";
export { secretRefSchema } from "./connector.ts";
export type { Format } from "./formats.ts";
