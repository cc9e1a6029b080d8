-- Results tables of the flagship jobs (flink-jobs/jobs), written by Flink's JDBC
-- upsert sink: each row is keyed by the job's primary key, so a row re-sent after a
-- restart overwrites itself instead of adding a duplicate.

-- transactions-hourly: one row per hourly window.
CREATE TABLE IF NOT EXISTS transactions_hourly (
  window_start TIMESTAMP(3) NOT NULL,
  window_end TIMESTAMP(3) NOT NULL,
  total_amount NUMERIC(38, 2) NOT NULL,
  transaction_count BIGINT NOT NULL,
  PRIMARY KEY (window_start, window_end)
);

-- review-themes: counts per (window, theme) and running totals per theme.
CREATE TABLE IF NOT EXISTS theme_counts_windowed (
  window_start TIMESTAMP(3) NOT NULL,
  window_end TIMESTAMP(3) NOT NULL,
  theme TEXT NOT NULL,
  theme_count BIGINT NOT NULL,
  PRIMARY KEY (window_start, window_end, theme)
);

CREATE TABLE IF NOT EXISTS theme_counts_total (
  theme TEXT PRIMARY KEY,
  theme_count BIGINT NOT NULL
);

-- clicks-with-products (lookup mode): the product dimension table.
CREATE TABLE IF NOT EXISTS products (
  product_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price NUMERIC(12, 2) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT now()
);
