import pg from "pg";
import { ApiError } from "./errors.ts";
import type { ThemeCount, ThemeCountsSource, TrendingThemes } from "./kafka.ts";

/**
 * Trending themes read from the PostgreSQL tables the review-themes job upserts
 * (`theme_counts_total`, `theme_counts_windowed`; created by the stack's
 * migrations). Each request runs two small queries on a pool of at most 4
 * connections; an unreachable database answers 503 RESULTS_DB_UNREACHABLE
 * (its URL, which may hold the password, is never part of the answer or the log).
 *
 * @example
 *   const themes = new PostgresThemeCounts("postgres://sluice:secret@127.0.0.1:5432/sluice");
 *   await themes.trending(10); // { total: [{ theme: "battery", count: 7 }, ...], latestWindow: {...} }
 */
export class PostgresThemeCounts implements ThemeCountsSource {
  private readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    tables = { total: "theme_counts_total", windowed: "theme_counts_windowed" },
  ) {
    this.pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 3_000 });
    this.pool.on("error", () => undefined);
    this.tables = tables;
  }

  private readonly tables: { total: string; windowed: string };

  async trending(limit: number): Promise<TrendingThemes> {
    try {
      const total = await this.pool.query<{ theme: string; count: string }>(
        `SELECT theme, theme_count AS count FROM "${this.tables.total}" ORDER BY theme_count DESC, theme LIMIT $1`,
        [limit],
      );
      const windowed = await this.pool.query<{ start: string; end: string; theme: string; count: string }>(
        `WITH latest AS (SELECT window_start, window_end FROM "${this.tables.windowed}"
                         ORDER BY window_start DESC, window_end DESC LIMIT 1)
         SELECT to_char(w.window_start, 'YYYY-MM-DD HH24:MI:SS') AS start,
                to_char(w.window_end, 'YYYY-MM-DD HH24:MI:SS') AS end, w.theme, w.theme_count AS count
         FROM "${this.tables.windowed}" w JOIN latest USING (window_start, window_end)
         ORDER BY w.theme_count DESC, w.theme LIMIT $1`,
        [limit],
      );
      const counts = (rows: { theme: string; count: string }[]): ThemeCount[] =>
        rows.map((r) => ({ theme: r.theme, count: Number(r.count) }));
      const first = windowed.rows[0];
      return {
        total: counts(total.rows),
        latestWindow: first ? { start: first.start, end: first.end, themes: counts(windowed.rows) } : null,
      };
    } catch (error) {
      throw new ApiError(
        "RESULTS_DB_UNREACHABLE",
        `cannot read theme counts from PostgreSQL: ${reason(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** The driver's message without anything that could echo the connection string. */
function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  return code
    ? `${code}`
    : ((error as Error).message ?? "unknown error").replace(/postgres(ql)?:\/\/\S+/g, "<url>");
}
