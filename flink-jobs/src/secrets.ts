import type { OptionValue } from "./connectors/index.ts";
import { MissingSecretError } from "./errors.ts";
import { quoteLiteral } from "./sql-text.ts";

export { MissingSecretError };

const PLACEHOLDER = /\$\{secret:([A-Z][A-Z0-9_]*)\}/g;

/** `'${secret:NAME}'`: the literal a secret option compiles to. */
export function renderOptionValue(value: OptionValue): string {
  return typeof value === "string" ? quoteLiteral(value) : `'\${secret:${value.secret}}'`;
}

/** Names of the secrets a piece of SQL refers to, sorted and unique. */
export function secretNamesIn(sql: string): string[] {
  return [...new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

/**
 * Substitutes `${secret:NAME}` placeholders (which the compiler only ever puts
 * inside string literals) with their values, escaped as SQL literal content.
 * Call it right before submission; never store or return its result.
 *
 * @example
 * resolveSecrets("'password' = '${secret:DB_PASSWORD}'", (n) => process.env[n])
 * // "'password' = 'it''s-secret'"
 */
export function resolveSecrets(sql: string, lookup: (name: string) => string | undefined): string {
  return sql.replace(PLACEHOLDER, (_match, name: string) => {
    const value = lookup(name);
    if (value === undefined) throw new MissingSecretError(name);
    return value.replaceAll("'", "''");
  });
}

/**
 * Replaces secret placeholders with `***` (for showing compiled SQL).
 *
 * @example
 * redactSecrets("'password' = '${secret:DB_PASSWORD}'") // "'password' = '***'"
 */
export function redactSecrets(sql: string): string {
  return sql.replace(PLACEHOLDER, "***");
}
