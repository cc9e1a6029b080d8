/**
 * The only two ways user-supplied text reaches the SQL: as a backtick-quoted
 * identifier or as a single-quoted string literal. Validation already rejects
 * backticks and control characters in identifiers and control characters in
 * literals; the doubling here is defence in depth, so that even a spec that
 * bypassed validation cannot end a quoted token early.
 */

/** `` quoteIdentifier("user id") `` -> `` `user id` `` */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** `quoteLiteral("it's")` -> `'it''s'` */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Whether text holds a control character (C0 or DEL), which Flink's parser or the gateway cannot carry safely. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The marker that {@link resolveSecrets} substitutes; never allowed in user text. */
export const SECRET_PLACEHOLDER_MARKER = "${secret:";
