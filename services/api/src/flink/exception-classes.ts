/** `x.y.SomeException: message` or `Caused by: x.y.SomeException` at the start of a stack trace line. */
const CLASS_LINE = /^(?:Caused by: )?([A-Za-z_$][\w$]*(?:\.[\w$]+)+)(?::|$)/;

/**
 * The exception classes of a Java stack trace, outermost first: its first line and each
 * `Caused by:` (suppressed exceptions and frames are left out).
 *
 * @example
 * ```ts
 * exceptionClasses("java.io.IOException: unable to open JDBC writer\n\tat ...\nCaused by: org.postgresql.util.PSQLException: Connection refused");
 * // => ["java.io.IOException", "org.postgresql.util.PSQLException"]
 * ```
 */
export function exceptionClasses(stacktrace: string): string[] {
  const classes: string[] = [];
  const lines = stacktrace.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (i > 0 && !line.startsWith("Caused by: ")) continue;
    const name = CLASS_LINE.exec(line)?.[1];
    if (name) classes.push(name);
  }
  return classes;
}
