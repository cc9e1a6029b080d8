import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import type { SpecProblem } from "../problems.ts";
import {
  defineConnector,
  definedOptions,
  type OptionValue,
  propertiesSchema,
  ROLES,
  secretRefSchema,
} from "./connector.ts";

/** A Flink duration option: `500 ms`, `10 s`, `5 min`, `1 h`. */
const durationSchema = literalTextSchema.regex(
  /^\d{1,9} ?(ms|s|min|h|d)$/,
  "a duration such as `500 ms`, `10 s`, `5 min` or `1 h`",
);

/**
 * The lookup cache of a table used in lookup joins (`lookup.cache` = `PARTIAL`):
 * up to `maxRows` looked-up rows, each dropped `expireAfterWrite` after it was
 * read from the database (a changed row is seen after that) or `expireAfterAccess`
 * after its last use.
 */
export const lookupCacheSchema = z.strictObject({
  maxRows: z.int().min(1).max(100_000_000),
  expireAfterWrite: durationSchema.optional(),
  expireAfterAccess: durationSchema.optional(),
  /** Also cache "no such row" (default true in Flink). */
  cacheMissingKey: z.boolean().optional(),
});

/**
 * How the sink batches writes: a batch is flushed at `maxRows` rows, every
 * `interval`, and on every checkpoint (so a checkpoint never completes with
 * rows still buffered). `maxRetries` per failed batch.
 */
export const sinkBufferSchema = z.strictObject({
  maxRows: z.int().min(0).max(1_000_000).optional(),
  interval: durationSchema.optional(),
  maxRetries: z.int().min(0).max(100).optional(),
});

export const jdbcSchema = z.strictObject({
  kind: z.literal("jdbc"),
  url: literalTextSchema.regex(/^jdbc:[a-z0-9]+:/, "a JDBC URL starts with `jdbc:<driver>:`").max(2048),
  tableName: literalTextSchema.min(1).max(256),
  username: literalTextSchema.max(256).optional(),
  /** Always a secret reference: a password never appears in a stored spec or in SQL. */
  password: secretRefSchema.optional(),
  lookupCache: lookupCacheSchema.optional(),
  sinkBuffer: sinkBufferSchema.optional(),
  properties: propertiesSchema.optional(),
});
export type JdbcConnectorConfig = z.infer<typeof jdbcSchema>;

/**
 * Extra properties users may set. The cache and buffer keys stay allowed for
 * specs written before `lookupCache` / `sinkBuffer` existed; prefer the fields.
 */
const JDBC_KEYS = [
  /^driver$/,
  /^connection\.max-retry-timeout$/,
  /^scan\.(partition\.(column|num|lower-bound|upper-bound)|fetch-size|auto-commit)$/,
  /^lookup\.(cache|cache\.max-rows|cache\.ttl|partial-cache\.[a-z-]+|max-retries|cache\.caching-missing-key)$/,
  /^sink\.(buffer-flush\.max-rows|buffer-flush\.interval|max-retries|parallelism)$/,
];

function cacheOptions(cache: JdbcConnectorConfig["lookupCache"]): [string, OptionValue | undefined][] {
  if (cache === undefined) return [];
  return [
    ["lookup.cache", "PARTIAL"],
    ["lookup.partial-cache.max-rows", String(cache.maxRows)],
    ["lookup.partial-cache.expire-after-write", cache.expireAfterWrite],
    ["lookup.partial-cache.expire-after-access", cache.expireAfterAccess],
    ["lookup.partial-cache.cache-missing-key", cache.cacheMissingKey?.toString()],
  ];
}

function bufferOptions(buffer: JdbcConnectorConfig["sinkBuffer"]): [string, OptionValue | undefined][] {
  if (buffer === undefined) return [];
  return [
    ["sink.buffer-flush.max-rows", buffer.maxRows?.toString()],
    ["sink.buffer-flush.interval", buffer.interval],
    ["sink.max-retries", buffer.maxRetries?.toString()],
  ];
}

/**
 * Flink's name for the connector. `sluice-jdbc` (Sluice's functions jar, on the cluster's class
 * path) is Flink's `jdbc` connector with the same options, whose sink cannot take the TaskManager
 * down when the database is unreachable (flink-connector-jdbc 4.0.0-2.0 rethrows a failed flush
 * from `close()`, which Flink 2.x treats as fatal for the whole TaskManager).
 */
export const JDBC_CONNECTOR = "sluice-jdbc";

/**
 * The `jdbc` connector: a database table, scanned, written, or used for lookup
 * joins. With a primary key the sink upserts (`INSERT ... ON CONFLICT DO UPDATE`
 * on PostgreSQL), so a row written again after a restart replaces itself.
 */
export const jdbcConnector = defineConnector<JdbcConnectorConfig>(ROLES.database, {
  schema: jdbcSchema,
  options(config) {
    return definedOptions([
      ["connector", JDBC_CONNECTOR],
      ["url", config.url],
      ["table-name", config.tableName],
      ["username", config.username],
      ["password", config.password],
      ...cacheOptions(config.lookupCache),
      ...bufferOptions(config.sinkBuffer),
    ]);
  },
  validate(config, _table, path) {
    const problems: SpecProblem[] = [];
    const cache = config.lookupCache;
    if (cache && cache.expireAfterWrite === undefined && cache.expireAfterAccess === undefined) {
      problems.push({
        path: [...path, "lookupCache"],
        code: "LOOKUP_CACHE_NEVER_EXPIRES",
        message:
          "a lookup cache needs expireAfterWrite or expireAfterAccess, or a changed row is never seen again",
      });
    }
    return problems;
  },
  allowsProperty: (key) => JDBC_KEYS.some((re) => re.test(key)),
});
