import {
  count,
  defineJob,
  type ErrorPolicy,
  filesystem,
  from,
  gte,
  hours,
  type Interval,
  insertInto,
  type JobSpec,
  seconds,
  sum,
  t,
  table,
  tumble,
} from "@sluice/flink-jobs";
import {
  type ExactlyOnceJobOptions,
  eventTimeConfig,
  type KafkaJobOptions,
  kafkaDefaults,
} from "./common.ts";

export interface TradeFilesOptions extends ExactlyOnceJobOptions, KafkaJobOptions {
  /** Folder of CSV trade files `date,amount,user_id` (a `file://` URI), watched for new files. */
  inputPath: string;
  /** Folder of the hourly totals: CSV part files, visible once a checkpoint commits them. */
  outputPath: string;
  /**
   * What a line that does not parse becomes (default `dead-letter`: a record with its bytes,
   * reason, file and line number on `deadLetterTopic`; `skip`: dropped and counted; `fail`).
   */
  errorPolicy?: ErrorPolicy;
  /** Kafka topic of the dead letters (default `sluice.trade-files.trades.dlq`). */
  deadLetterTopic?: string;
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
 * them (exactly once). A line that does not parse (a malformed field, a wrong
 * number of fields, an empty line) is not dropped in silence: the source's error
 * policy (`sluice-csv`, as for Kafka sources) writes it to the dead-letter topic
 * with its reason, file and line, exactly once, and the flow metrics count it.
 */
export function tradeFiles(options: TradeFilesOptions): JobSpec {
  const trades = table(
    "trades",
    { date: t.timestamp(3), amount: t.decimal(12, 2), user_id: t.string() },
    {
      watermark: { column: "date", delay: seconds(5) },
      connector: filesystem({
        path: options.inputPath,
        format: "csv",
        ...(options.errorPolicy === undefined ? {} : { errorPolicy: options.errorPolicy }),
        ...(options.deadLetterTopic === undefined ? {} : { deadLetterTopic: options.deadLetterTopic }),
        required: ["amount", "user_id"],
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
  // `trades` holds the valid lines only (a NULL event time cannot be windowed); the others are dead letters.
  const perHour = from(tumble(trades, "date", options.window ?? hours(1)))
    .where((r) => gte(r.amount, options.minAmount ?? 10))
    .groupBy((r) => [r.window_start, r.window_end])
    .select((r) => ({
      window_start: r.window_start,
      window_end: r.window_end,
      total_amount: sum(r.amount),
      trade_count: count(),
    }));

  return defineJob({
    name: "trade-files",
    description: "CSV trade files from a watched folder, summed per hour into committed CSV part files",
    kafka: kafkaDefaults(options),
    tables: [trades, hourly],
    inserts: [insertInto(hourly, perHour)],
    config: eventTimeConfig({ ...options, sourceIdleTimeout: "0 ms" }, { exactlyOnce: true }),
  });
}
