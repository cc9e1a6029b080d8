import { compileJob } from "@sluice/flink-jobs";
import { describe, expect, it } from "vitest";
import { clicksWithProducts } from "./clicks-with-products.ts";
import { reviewThemes } from "./review-themes.ts";
import { tradeFiles } from "./trade-files.ts";
import { transactionsHourly } from "./transactions-hourly.ts";

const sqlOf = (spec: Parameters<typeof compileJob>[0]) =>
  compileJob(spec)
    .statements.map((s) => s.sql)
    .join("\n");

describe("flagships with PostgreSQL", () => {
  it("transactions-hourly upserts by the window, with the password as a secret and restarts that wait", () => {
    const sql = sqlOf(
      transactionsHourly({ postgres: { url: "jdbc:postgresql://db:5432/x", batchRows: 200 } }),
    );
    expect(sql).toContain("PRIMARY KEY (`window_start`, `window_end`) NOT ENFORCED");
    expect(sql).toContain("'connector' = 'sluice-jdbc'");
    expect(sql).toContain("'password' = '${secret:POSTGRES_PASSWORD}'");
    expect(sql).toContain("'sink.buffer-flush.max-rows' = '200'");
    expect(sql).toContain("SET 'restart-strategy.type' = 'exponential-delay'");
    expect(sql).toMatch(/INSERT INTO `transactions_hourly_pg`/);
  });

  it("without the option the flagships are unchanged (no jdbc table, the stack's restart strategy)", () => {
    for (const spec of [transactionsHourly(), reviewThemes(), clicksWithProducts()]) {
      const sql = sqlOf(spec);
      expect(sql).not.toContain("'connector' = 'sluice-jdbc'");
      expect(sql).not.toContain("restart-strategy");
    }
  });

  it("review-themes upserts both counts, keyed like their upsert-kafka twins", () => {
    const sql = sqlOf(reviewThemes({ postgres: { tables: { theme_counts_total: "totals" } } }));
    expect(sql).toContain("'table-name' = 'totals'");
    expect(sql).toContain("'table-name' = 'theme_counts_windowed'");
    expect(sql).toContain("PRIMARY KEY (`window_start`, `window_end`, `theme`) NOT ENFORCED");
  });

  it("clicks-with-products looks products up as of processing time, with a cache that expires", () => {
    const sql = sqlOf(clicksWithProducts({ productsFromPostgres: { cacheExpiry: "3 s" } }));
    expect(sql).toContain("`proc_time` AS PROCTIME()");
    expect(sql).toContain("FOR SYSTEM_TIME AS OF `clicks`.`proc_time`");
    expect(sql).toContain("'lookup.partial-cache.expire-after-write' = '3 s'");
  });

  it("trade-files watches the folder and sends unparseable lines to the dead letters", () => {
    const sql = sqlOf(tradeFiles({ inputPath: "file:///in", outputPath: "file:///out" }));
    expect(sql).toContain("'source.monitor-interval' = '1 s'");
    expect(sql).toContain("'format' = 'sluice-csv'");
    expect(sql).not.toContain("ignore-parse-errors");
    expect(sql).toContain("'topic' = 'sluice.trade-files.trades.dlq'");
    expect(sql).toContain("INSERT INTO `trades__dead_letters`");
  });
});
