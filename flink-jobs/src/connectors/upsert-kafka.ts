import { z } from "zod";
import { topicSchema } from "../identifiers.ts";
import { defineConnector, propertiesSchema, ROLES } from "./connector.ts";
import { formatOptions, formatSchema, validateFormat } from "./formats.ts";
import {
  allowsKafkaProperty,
  bootstrapServersSchema,
  kafkaBootstrap,
  kafkaDefaultProperties,
  missingBootstrapProblem,
} from "./kafka.ts";

export const upsertKafkaSchema = z.strictObject({
  kind: z.literal("upsert-kafka"),
  topic: topicSchema,
  bootstrapServers: bootstrapServersSchema.optional(),
  /** Format of the message key, which holds the table's PRIMARY KEY columns. */
  keyFormat: formatSchema,
  valueFormat: formatSchema,
  properties: propertiesSchema.optional(),
});
export type UpsertKafkaConnectorConfig = z.infer<typeof upsertKafkaSchema>;

/**
 * The `upsert-kafka` connector: a changelog keyed by the table's primary key.
 * As a sink it takes updating results (running totals); as a source it is a
 * versioned table for temporal joins (with a watermark).
 */
export const upsertKafkaConnector = defineConnector<UpsertKafkaConnectorConfig>(ROLES.upsertLog, {
  schema: upsertKafkaSchema,
  metadataKeys: ["topic", "partition", "headers", "leader-epoch", "offset", "timestamp", "timestamp-type"],
  options(config, table) {
    return [
      ["connector", "upsert-kafka"],
      ["topic", config.topic],
      ["properties.bootstrap.servers", kafkaBootstrap(config.bootstrapServers, table) ?? ""],
      ...formatOptions(config.keyFormat, "key."),
      ...formatOptions(config.valueFormat, "value."),
      ...kafkaDefaultProperties(table),
    ];
  },
  validate(config, table, path) {
    const problems = [
      ...validateFormat(config.keyFormat, [...path, "keyFormat"]),
      ...validateFormat(config.valueFormat, [...path, "valueFormat"]),
    ];
    if (kafkaBootstrap(config.bootstrapServers, table) === undefined)
      problems.push(missingBootstrapProblem(path));
    if (table.primaryKey === undefined || table.primaryKey.length === 0) {
      problems.push({
        path: [...path.slice(0, -1), "primaryKey"],
        code: "PRIMARY_KEY_REQUIRED",
        message:
          "an upsert-kafka table needs a `primaryKey`: it is the Kafka message key that upserts replace",
      });
    }
    return problems;
  },
  allowsProperty: (key) => allowsKafkaProperty(key) && !key.startsWith("scan.bounded"),
});
