import {
  and,
  count,
  defineJob,
  filesystem,
  from,
  gte,
  hours,
  type Interval,
  insertInto,
  isNotNull,
  isNull,
  type JobSpec,
  or,
  seconds,
  sum,
  t,
  table,
  tumble,
  view,
} from "@sluice/flink-jobs";
import { type ExactlyOnceJobOptions, eventTimeConfig } from "./common.ts";

export interface TradeFilesOptions extends ExactlyOnceJobOptions {
  /** Folder of CSV trade files `date,amount,user_id` (a `file://` URI), watched for new files. */
  inputPath: string;
  /** Folder of the hourly totals: CSV part files, visible once a checkpoint commits them. */
  outputPath: string;
  /** Folder of the lines that did not parse (`date`, `amount` or `user_id` missing or malformed). */
  deadLetterPath: string;
  /** How often the folder is listed for new files (default `1 s`). */
  monitorInterval?: string;
  /** Trades with a smaller amount are dropped (default 10). */
  minAmount?: number;
  window?: Interval;
}

/**
 * The origin's file pipeline: CSV trade files dropped into a folder (read in
 * continuous mode: a new file is picked up while the job runs), trades of at
 * least `minAmount` summed and counted per hour of their `date`, written as
 * rolling CSV part files that become visible only when a checkpoint commits
 * them (exactly once). A line whose fields do not parse is not dropped in
 * silence: Flink's CSV format (`csv.ignore-parse-errors`) sets them to NULL,
 * and the job writes such rows to the dead-letter folder, where they are counted.
 */
export function tradeFiles(options: TradeFilesOptions): JobSpec {
  const trades = table(
    "trades",
    { date: t.timestamp(3), amount: t.decimal(12, 2), user_id: t.string() },
    {
      watermark: { column: "date", delay: seconds(5) },
      connector: filesystem({
        path: options.inputPath,
        format: { kind: "csv", ignoreParseErrors: true },
        properties: { "source.monitor-interval": options.monitorInterval ?? "1 s" },
      }),
    },
  );
  const hourly = table(
    "trades_hourly",
    {
      window_start: t.timestamp(3),
      window_end: t.timestamp(3),
      total_amount: t.decimal(38, 2),
      trade_count: t.bigint(),
    },
    {
      connector: filesystem({
        path: options.outputPath,
        format: "csv",
        // A part file rolls at 1 MB or after 1 min, and is committed on the next checkpoint.
        properties: {
          "sink.rolling-policy.file-size": "1MB",
          "sink.rolling-policy.rollover-interval": "1 min",
        },
      }),
    },
  );
  const deadLetters = table(
    "trades__dead_letters",
    { date: t.timestamp(3), amount: t.decimal(12, 2), user_id: t.string() },
    { connector: filesystem({ path: options.deadLetterPath, format: "csv" }) },
  );

  // Rows with a NULL field never reach the window (a NULL event time cannot be windowed).
  const validTrades = view(
    "valid_trades",
    from(trades)
      .where((r) => and(isNotNull(r.date), isNotNull(r.amount), isNotNull(r.user_id)))
      .select((r) => ({ date: r.date, amount: r.amount, user_id: r.user_id })),
  );
  const perHour = from(tumble(validTrades, "date", options.window ?? hours(1)))
    .where((r) => gte(r.amount, options.minAmount ?? 10))
    .groupBy((r) => [r.window_start, r.window_end])
    .select((r) => ({
      window_start: r.window_start,
      window_end: r.window_end,
      total_amount: sum(r.amount),
      trade_count: count(),
    }));
  const malformed = from(trades)
    .where((r) => or(isNull(r.date), isNull(r.amount), isNull(r.user_id)))
    .select((r) => ({ date: r.date, amount: r.amount, user_id: r.user_id }));

  return defineJob({
    name: "trade-files",
    description: "CSV trade files from a watched folder, summed per hour into committed CSV part files",
    tables: [trades, hourly, deadLetters],
    views: [validTrades],
    inserts: [insertInto(hourly, perHour), insertInto(deadLetters, malformed)],
    config: eventTimeConfig({ ...options, sourceIdleTimeout: "0 ms" }, { exactlyOnce: true }),
  });
}
