import type { DatabaseSync, StatementSync } from "node:sqlite";

/**
 * Prepared statements by SQL text, prepared once per store. Preparing a statement on every read
 * cost more than running it, and every statement left for the garbage collector to finalize
 * stayed open in SQLite meanwhile: with 1,000 jobs, `GET /v1/jobs` (a few reads per job) took
 * ~1 s instead of a few ms (bench/control-plane). The SQL texts are the store's own constants,
 * so the cache holds a few dozen statements.
 *
 * @example
 * const statements = new StatementCache(db);
 * statements.get("SELECT * FROM jobs WHERE name = ?").get("orders");
 */
export class StatementCache {
  private readonly db: DatabaseSync;
  private readonly cache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** The prepared statement of `sql`, prepared on first use. */
  get(sql: string): StatementSync {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  /** How many statements are prepared. */
  get size(): number {
    return this.cache.size;
  }
}
