import { FUNCTIONS_JAR_SECRET, resolveSecrets } from "@sluice/flink-jobs";
import { POSTGRES_PASSWORD_SECRET } from "@sluice/flink-jobs/jobs";
import { ensureFunctionsJar, type PostgresEndpoint, postgresEndpoint, stackSettings } from "@sluice/stack";
import pg from "pg";
import { uniqueName } from "./names.ts";

/** The test stack's PostgreSQL (`SLUICE_POSTGRES_PORT`, role and database `sluice`). */
export function stackPostgres(env: NodeJS.ProcessEnv = process.env): PostgresEndpoint & { jdbcUrl: string } {
  const endpoint = postgresEndpoint(stackSettings(env), env);
  return { ...endpoint, jdbcUrl: `jdbc:postgresql://${endpoint.host}:${endpoint.port}/${endpoint.database}` };
}

/** Runs one query on the stack's database as the Sluice role (a connection per call). */
export async function pgQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ ...stackPostgres(), connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fresh table shaped like `template` (one of the stack's results tables,
 * primary key included), unique to the caller; drop it with {@link dropPgTables}.
 *
 * @example
 *   const hourly = await uniquePgTable("transactions_hourly"); // "transactions_hourly_mbx1k2_3f9a1c"
 */
export async function uniquePgTable(template: string): Promise<string> {
  const name = uniqueName(template).toLowerCase();
  await pgQuery(`CREATE TABLE "${name}" (LIKE "${template}" INCLUDING ALL)`);
  return name;
}

export async function dropPgTables(names: string[]): Promise<void> {
  for (const name of names) await pgQuery(`DROP TABLE IF EXISTS "${name}"`).catch(() => undefined);
}

/**
 * A compiled job's statements with the secrets the test stack provides resolved:
 * the functions jar's path and the PostgreSQL password. Never log the result.
 */
export function withStackSecrets(compiled: { statements: readonly { sql: string }[] }): {
  statements: { sql: string }[];
} {
  const lookup = (name: string) => {
    if (name === POSTGRES_PASSWORD_SECRET) return stackPostgres().password;
    if (name === FUNCTIONS_JAR_SECRET) return ensureFunctionsJar(() => undefined);
    return undefined;
  };
  return { statements: compiled.statements.map((s) => ({ sql: resolveSecrets(s.sql, lookup) })) };
}
