/**
 * GET /v1/themes/trending's PostgreSQL source against the stack's REAL PostgreSQL:
 * the top themes and the latest window from the review-themes job's tables, and a
 * clear 503 (without the connection string) when the database cannot be reached.
 *
 * Run: npx vitest run --project integration services/api/src/themes-postgres.int.test.ts
 */

import { freePort } from "@sluice/stack";
import { dropPgTables, pgQuery, stackPostgres, uniquePgTable, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { PostgresThemeCounts } from "./themes-postgres.ts";

const tables: string[] = [];
// results-db.kill.int.test.ts stops the stack's PostgreSQL for a while (in the `kill` project, after this one).
beforeAll(() =>
  waitFor(() => pgQuery("SELECT 1"), { timeout: 120_000, interval: 1_000, description: "PostgreSQL" }),
);
afterAll(() => dropPgTables(tables));

function url(port = stackPostgres().port): string {
  const e = stackPostgres();
  return `postgres://${e.user}:${encodeURIComponent(e.password)}@${e.host}:${port}/${e.database}`;
}

describe("trending themes from PostgreSQL", () => {
  it("ranks running totals and the latest window's counts, highest first", async () => {
    const total = await uniquePgTable("theme_counts_total");
    const windowed = await uniquePgTable("theme_counts_windowed");
    tables.push(total, windowed);
    await pgQuery(`INSERT INTO "${total}" VALUES ('battery', 7), ('screen', 9), ('price', 2)`);
    await pgQuery(
      `INSERT INTO "${windowed}" VALUES
        ('2024-03-01 09:00', '2024-03-01 10:00', 'battery', 5),
        ('2024-03-01 10:00', '2024-03-01 11:00', 'battery', 2),
        ('2024-03-01 10:00', '2024-03-01 11:00', 'screen', 4)`,
    );
    const source = new PostgresThemeCounts(url(), { total, windowed });
    try {
      expect(await source.trending(2)).toEqual({
        total: [
          { theme: "screen", count: 9 },
          { theme: "battery", count: 7 },
        ],
        latestWindow: {
          start: "2024-03-01 10:00:00",
          end: "2024-03-01 11:00:00",
          themes: [
            { theme: "screen", count: 4 },
            { theme: "battery", count: 2 },
          ],
        },
      });
    } finally {
      await source.close();
    }
  });

  it("answers 503 RESULTS_DB_UNREACHABLE, without the URL, when nothing listens", async () => {
    const source = new PostgresThemeCounts(url(await freePort()));
    try {
      const error = await source.trending(5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(503);
      expect((error as ApiError).code).toBe("RESULTS_DB_UNREACHABLE");
      expect((error as ApiError).message).not.toContain(stackPostgres().password);
    } finally {
      await source.close();
    }
  });
});
