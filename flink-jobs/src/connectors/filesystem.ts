import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import { defineConnector, propertiesSchema, ROLES } from "./connector.ts";
import { formatOptions, formatSchema, validateFormat } from "./formats.ts";

export const filesystemSchema = z.strictObject({
  kind: z.literal("filesystem"),
  /** A directory or file URI, e.g. `file:///data/out` or `s3://bucket/prefix`. */
  path: literalTextSchema.min(1).max(4096),
  format: formatSchema,
  properties: propertiesSchema.optional(),
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
  validate(config, _table, path) {
    return validateFormat(config.format, [...path, "format"]);
  },
  allowsProperty: (key) => FILESYSTEM_KEYS.some((re) => re.test(key)),
});
