import { z } from "zod";
import { identifierSchema, literalTextSchema, topicSchema } from "../identifiers.ts";
import { defineConnector, propertiesSchema, ROLES } from "./connector.ts";
import { validateErrorPolicy } from "./error-policy.ts";
import { formatOptions, formatSchema, validateFormat } from "./formats.ts";
import { errorPolicySchema } from "./kafka.ts";

export const filesystemSchema = z.strictObject({
  kind: z.literal("filesystem"),
  /** A directory or file URI, e.g. `file:///data/out` or `s3://bucket/prefix`. */
  path: literalTextSchema.min(1).max(4096),
  format: formatSchema,
  properties: propertiesSchema.optional(),
  /**
   * What a source does with a line it cannot read (CSV and JSON files): `dead-letter` (the
   * default) writes it, with its bytes, reason, file and line number, to `deadLetterTopic`;
   * `skip` drops it but still counts it; `fail` fails the job (see `dead-letters.ts`).
   */
  errorPolicy: errorPolicySchema.optional(),
  /**
   * The Kafka topic of a source's dead letters (on `spec.kafka.bootstrapServers`); defaults to
   * `sluice.<job>.<table>.dlq`.
   */
  deadLetterTopic: topicSchema.optional(),
  /** Columns a line must have (not NULL) to be read; without one it is a dead letter. */
  required: z.array(identifierSchema).min(1).optional(),
});
export type FilesystemConnectorConfig = z.infer<typeof filesystemSchema>;

const FILESYSTEM_KEYS = [
  /^sink\.rolling-policy\.[a-z-]+$/,
  /^sink\.partition-commit\.[a-z.-]+$/,
  /^source\.monitor-interval$/,
  /^partition\.default-name$/,
  /^auto-compaction$/,
  /^compaction\.file-size$/,
  /^sink\.parallelism$/,
];

/** The `filesystem` connector: files in a directory, read or written in a format. */
export const filesystemConnector = defineConnector<FilesystemConnectorConfig>(ROLES.appendLog, {
  schema: filesystemSchema,
  metadataKeys: ["file.path", "file.name", "file.size", "file.modification-time"],
  options(config) {
    return [["connector", "filesystem"], ["path", config.path], ...formatOptions(config.format, "")];
  },
  validate(config, table, path) {
    return [
      ...validateFormat(config.format, [...path, "format"]),
      ...validateErrorPolicy(config, table, path),
    ];
  },
  allowsProperty: (key) => FILESYSTEM_KEYS.some((re) => re.test(key)),
});
