import { z } from "zod";
import { literalTextSchema } from "../identifiers.ts";
import { defineConnector, type OptionValue, propertiesSchema, ROLES, secretRefSchema } from "./connector.ts";

export const jdbcSchema = z.strictObject({
  kind: z.literal("jdbc"),
  url: literalTextSchema.regex(/^jdbc:[a-z0-9]+:/, "a JDBC URL starts with `jdbc:<driver>:`").max(2048),
  tableName: literalTextSchema.min(1).max(256),
  username: literalTextSchema.max(256).optional(),
  /** Always a secret reference: a password never appears in a stored spec or in SQL. */
  password: secretRefSchema.optional(),
  properties: propertiesSchema.optional(),
});
export type JdbcConnectorConfig = z.infer<typeof jdbcSchema>;

const JDBC_KEYS = [
  /^driver$/,
  /^connection\.max-retry-timeout$/,
  /^scan\.(partition\.(column|num|lower-bound|upper-bound)|fetch-size|auto-commit)$/,
  /^lookup\.(cache|cache\.max-rows|cache\.ttl|partial-cache\.[a-z-]+|max-retries|cache\.caching-missing-key)$/,
  /^sink\.(buffer-flush\.max-rows|buffer-flush\.interval|max-retries|parallelism)$/,
];

/** The `jdbc` connector: a database table, scanned, written, or used for lookup joins. */
export const jdbcConnector = defineConnector<JdbcConnectorConfig>(ROLES.database, {
  schema: jdbcSchema,
  options(config) {
    const out: [string, OptionValue][] = [
      ["connector", "jdbc"],
      ["url", config.url],
      ["table-name", config.tableName],
    ];
    if (config.username !== undefined) out.push(["username", config.username]);
    if (config.password !== undefined) out.push(["password", config.password]);
    return out;
  },
  allowsProperty: (key) => JDBC_KEYS.some((re) => re.test(key)),
});
