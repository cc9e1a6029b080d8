import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { PostgresEndpoint } from "./postgres.ts";

/** The SQL migrations of the stack's database, applied in file-name order. */
export const migrationsDir = join(import.meta.dirname, "postgres");

async function withClient<T>(endpoint: PostgresEndpoint, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...endpoint, connectionTimeoutMillis: 3_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** True when `endpoint` accepts a login and answers `SELECT 1`. */
export async function postgresAnswers(endpoint: PostgresEndpoint): Promise<boolean> {
  try {
    return await withClient(endpoint, async (c) => (await c.query("SELECT 1 AS ok")).rows[0]?.ok === 1);
  } catch {
    return false;
  }
}

/** Creates the Sluice role (LOGIN, the stack's password) and its database, once. */
export async function ensureRoleAndDatabase(sluice: PostgresEndpoint): Promise<void> {
  const superuser = { ...sluice, user: "postgres", database: "postgres" };
  await withClient(superuser, async (c) => {
    const role = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [sluice.user]);
    const password = `'${sluice.password.replaceAll("'", "''")}'`;
    if (role.rowCount === 0) await c.query(`CREATE ROLE "${sluice.user}" LOGIN PASSWORD ${password}`);
    const db = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [sluice.database]);
    if (db.rowCount === 0) await c.query(`CREATE DATABASE "${sluice.database}" OWNER "${sluice.user}"`);
  });
}

/**
 * Applies the migrations not applied yet (recorded in `sluice_migrations`), each
 * in a transaction, as the Sluice role (so it owns the tables). Returns the names applied.
 */
export async function applyMigrations(endpoint: PostgresEndpoint, dir = migrationsDir): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  return withClient(endpoint, async (c) => {
    await c.query(
      "CREATE TABLE IF NOT EXISTS sluice_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const done = new Set((await c.query("SELECT name FROM sluice_migrations")).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files.filter((f) => !done.has(f))) {
      await c.query("BEGIN");
      try {
        await c.query(readFileSync(join(dir, file), "utf8"));
        await c.query("INSERT INTO sluice_migrations (name) VALUES ($1)", [file]);
        await c.query("COMMIT");
      } catch (error) {
        await c.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
    }
    return applied;
  });
}
