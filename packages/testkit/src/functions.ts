import { FUNCTIONS_JAR_SECRET } from "@sluice/flink-jobs";
import { ensureFunctionsJar } from "@sluice/stack";

const PLACEHOLDER = `\${secret:${FUNCTIONS_JAR_SECRET}}`;

/**
 * A compiled job's statements as the test stack runs them: the functions jar's placeholder
 * (`${secret:FUNCTIONS_JAR}`, in the registrations of jobs with models) replaced by the jar's
 * path, built with Maven first when it is missing. Other statements are unchanged.
 *
 * @example
 *   await flink.gateway.explain(withFunctionsJar(compileJob(sensorDetectors())));
 */
export function withFunctionsJar(compiled: { statements: readonly { sql: string }[] }): string[] {
  const sql = compiled.statements.map((s) => s.sql);
  if (!sql.some((s) => s.includes(PLACEHOLDER))) return sql;
  const jar = ensureFunctionsJar(() => undefined).replaceAll("'", "''");
  return sql.map((s) => s.replaceAll(PLACEHOLDER, jar));
}
