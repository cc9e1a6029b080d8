import { z } from "zod";
import { identifierSchema, literalTextSchema, topicSchema } from "../identifiers.ts";
import type { SpecPath, SpecProblem } from "../problems.ts";
import {
  defineConnector,
  type OptionValue,
  propertiesSchema,
  ROLES,
  renderPropertyValue,
  type TableContext,
} from "./connector.ts";
import { validateErrorPolicy } from "./error-policy.ts";
import { formatOptions, formatSchema, validateFormat } from "./formats.ts";

export const ERROR_POLICIES = ["dead-letter", "skip", "fail"] as const;
export const errorPolicySchema = z.enum(ERROR_POLICIES);
export type ErrorPolicy = z.infer<typeof errorPolicySchema>;

/** Where a Kafka source starts reading when it has no committed offsets in a savepoint. */
export const startupModeSchema = z.union([
  z.enum(["earliest-offset", "latest-offset", "group-offsets"]),
  z.strictObject({ timestampMillis: z.int().min(0) }),
]);

export const bootstrapServersSchema = literalTextSchema.regex(
  /^[A-Za-z0-9._-]+:[0-9]{1,5}(,[A-Za-z0-9._-]+:[0-9]{1,5})*$/,
  "bootstrap servers are `host:port` pairs separated by commas",
);

export const kafkaSchema = z.strictObject({
  kind: z.literal("kafka"),
  topic: topicSchema,
  /** Defaults to `spec.kafka.bootstrapServers`. */
  bootstrapServers: bootstrapServersSchema.optional(),
  /** Consumer group of a source; defaults to `sluice.<job>.v<version>.<table>` (see `defaultGroupId`). */
  groupId: literalTextSchema.min(1).max(255).optional(),
  startupMode: startupModeSchema.optional(),
  format: formatSchema,
  /** Message key: its format and the columns it holds (the value then holds all columns). */
  key: z.strictObject({ format: formatSchema, fields: z.array(identifierSchema).min(1) }).optional(),
  /**
   * What a sink promises after a failover (`sink.delivery-guarantee`; Flink's default is
   * `at-least-once`: records written since the last checkpoint are written again).
   * `exactly-once` writes in Kafka transactions committed on each checkpoint: readers
   * with `isolation.level=read_committed` see each record once, one checkpoint
   * interval late, and the job needs checkpointing enabled.
   */
  deliveryGuarantee: z.enum(["at-least-once", "exactly-once", "none"]).optional(),
  /**
   * Prefix of the sink's Kafka transactional ids (exactly-once only). Defaults to
   * `sluice.<job>.<table>.<topic>`: unique per job, table and topic, so concurrent
   * jobs never fence each other, and stable across versions of a job, so a new
   * version (restored from a savepoint or not) finds and aborts the transactions
   * the previous one left open.
   */
  transactionalIdPrefix: literalTextSchema.min(1).max(200).optional(),
  properties: propertiesSchema.optional(),
  /**
   * What a source does with a record it cannot read (JSON values only): `dead-letter` (the
   * default) writes it, with its bytes, reason, partition and offset, to `deadLetterTopic`;
   * `skip` drops it but still counts it; `fail` fails the job (see `dead-letters.ts`).
   */
  errorPolicy: errorPolicySchema.optional(),
  /** Where dead letters go; defaults to `<topic>.dlq`. */
  deadLetterTopic: topicSchema.optional(),
  /**
   * Columns a record must have (not NULL) to be read; without one it is a dead letter. The
   * watermark's column (and a typed time's field) and the columns a model learns from are
   * always required.
   */
  required: z.array(identifierSchema).min(1).optional(),
});
export type KafkaConnectorConfig = z.infer<typeof kafkaSchema>;

/** Keys produced from structured fields; setting them as properties would be ambiguous. */
const KAFKA_STRUCTURED = new Set(["properties.bootstrap.servers", "properties.group.id"]);
/** The `kafka` connector's sink keys that `deliveryGuarantee` and `transactionalIdPrefix` set. */
const KAFKA_SINK_STRUCTURED = new Set(["sink.delivery-guarantee", "sink.transactional-id-prefix"]);

/**
 * Kafka transaction timeout of exactly-once sinks: a broker's default
 * `transaction.max.timeout.ms` (15 min). Flink's own default (1 h) is refused by
 * brokers left at their defaults. A job down longer than this between a
 * checkpoint and its commit loses that checkpoint's records; raise it (with the
 * broker's maximum) through `properties.transaction.timeout.ms` if that matters.
 */
export const KAFKA_TRANSACTION_TIMEOUT_MS = "900000";

/** Extra Kafka options users may set: client `properties.*` and the documented sink/scan tuning keys. */
export function allowsKafkaProperty(key: string): boolean {
  if (KAFKA_STRUCTURED.has(key)) return false;
  return (
    /^properties\.[a-z0-9][a-z0-9.-]*$/.test(key) ||
    [
      "scan.topic-partition-discovery.interval",
      "scan.bounded.mode",
      "scan.parallelism",
      "sink.partitioner",
      "sink.delivery-guarantee",
      "sink.transactional-id-prefix",
      "sink.parallelism",
    ].includes(key)
  );
}

/** Spec-wide Kafka client properties (`spec.kafka.properties`, e.g. SASL settings) for every Kafka table. */
export function kafkaDefaultProperties(table: TableContext): [string, OptionValue][] {
  return Object.entries(table.kafka?.properties ?? {}).map(([key, value]) => [
    key,
    renderPropertyValue(value),
  ]);
}

/**
 * The consumer group of a Kafka source: `sluice.<job>.v<version>.<table>`, or
 * `sluice.<job>.<table>` for a spec without a version. Flink assigns partitions
 * itself and keeps its offsets in checkpoints; the group only carries the
 * offsets it commits for monitoring (lag), so each version gets its own and two
 * versions running side by side (an upgrade, a stray) never mix their lag.
 * Except with `group-offsets`: there the committed offsets are where a job
 * without a savepoint starts, and a new version must continue from them, so the
 * group leaves the version out.
 *
 * @example defaultGroupId("review-themes", 3, "review_themes") // "sluice.review-themes.v3.review_themes"
 */
export function defaultGroupId(
  jobName: string,
  jobVersion: number | undefined,
  tableName: string,
  startupMode: z.infer<typeof startupModeSchema> | undefined,
): string {
  const version = jobVersion === undefined || startupMode === "group-offsets" ? "" : `.v${jobVersion}`;
  return `sluice.${jobName}${version}.${tableName}`;
}

/** `bootstrapServers` of a table, else of `spec.kafka`. */
export function kafkaBootstrap(explicit: string | undefined, table: TableContext): string | undefined {
  return explicit ?? table.kafka?.bootstrapServers;
}

export function missingBootstrapProblem(path: SpecPath): SpecProblem {
  return {
    path: [...path, "bootstrapServers"],
    code: "MISSING_BOOTSTRAP_SERVERS",
    message:
      "no Kafka bootstrap servers: set `bootstrapServers` here or `kafka.bootstrapServers` for the whole job",
  };
}

/** The `kafka` connector: an append-only stream over one topic. */
export const kafkaConnector = defineConnector<KafkaConnectorConfig>(ROLES.appendLog, {
  schema: kafkaSchema,
  metadataKeys: ["topic", "partition", "headers", "leader-epoch", "offset", "timestamp", "timestamp-type"],
  options(config, table) {
    const out: [string, OptionValue][] = [
      ["connector", "kafka"],
      ["topic", config.topic],
      ["properties.bootstrap.servers", kafkaBootstrap(config.bootstrapServers, table) ?? ""],
      [
        "properties.group.id",
        config.groupId ??
          defaultGroupId(table.jobName, table.jobVersion, table.tableName, config.startupMode),
      ],
    ];
    const mode = config.startupMode;
    if (typeof mode === "string") out.push(["scan.startup.mode", mode]);
    else if (mode !== undefined) {
      out.push(
        ["scan.startup.mode", "timestamp"],
        ["scan.startup.timestamp-millis", String(mode.timestampMillis)],
      );
    }
    if (config.key === undefined) out.push(...formatOptions(config.format, ""));
    else {
      out.push(...formatOptions(config.key.format, "key."), ["key.fields", config.key.fields.join(";")]);
      out.push(...formatOptions(config.format, "value."), ["value.fields-include", "ALL"]);
    }
    if (config.deliveryGuarantee !== undefined)
      out.push(["sink.delivery-guarantee", config.deliveryGuarantee]);
    if (config.deliveryGuarantee === "exactly-once") {
      out.push(
        [
          "sink.transactional-id-prefix",
          config.transactionalIdPrefix ?? `sluice.${table.jobName}.${table.tableName}.${config.topic}`,
        ],
        ["properties.transaction.timeout.ms", KAFKA_TRANSACTION_TIMEOUT_MS],
      );
    }
    return [...out, ...kafkaDefaultProperties(table)];
  },
  validate(config, table, path) {
    const problems = [...validateFormat(config.format, [...path, "format"])];
    if (kafkaBootstrap(config.bootstrapServers, table) === undefined)
      problems.push(missingBootstrapProblem(path));
    if (config.key !== undefined) {
      problems.push(...validateFormat(config.key.format, [...path, "key", "format"]));
      config.key.fields.forEach((field, i) => {
        if (!table.columns.some((c) => c.name === field)) {
          problems.push({
            path: [...path, "key", "fields", i],
            code: "UNKNOWN_COLUMN",
            message: `key field \`${field}\` is not a column of table \`${table.tableName}\``,
          });
        }
        if (field.includes(";")) {
          problems.push({
            path: [...path, "key", "fields", i],
            code: "INVALID_KEY_FIELD",
            message: "a key field name may not contain ';' (Flink separates key fields with it)",
          });
        }
      });
    }
    problems.push(...validateErrorPolicy(config, table, path));
    return problems;
  },
  allowsProperty: (key) => allowsKafkaProperty(key) && !KAFKA_SINK_STRUCTURED.has(key),
});
