import {
  count,
  from,
  gte,
  hours,
  type Interval,
  insertInto,
  type JobSpec,
  kafka,
  sum,
  t,
  table,
  tumble,
} from "@sluice/flink-jobs";
import {
  DECIMAL_JSON,
  type EventTimeJobOptions,
  type ExactlyOnceJobOptions,
  exactlyOnceEventTimeJob,
  type InputOutputTopics,
  jsonTopicSource,
} from "./common.ts";
import { type PostgresOptions, postgresResults, withPostgresRestarts } from "./postgres.ts";

export interface TransactionsHourlyOptions
  extends EventTimeJobOptions,
    ExactlyOnceJobOptions,
    InputOutputTopics {
  /** Transactions with a smaller amount are dropped (default 10). */
  minAmount?: number;
  /** Window length (default 1 hour). */
  window?: Interval;
  /** Also upsert the hourly rows into PostgreSQL (table `transactions_hourly` of the stack's migrations). */
  postgres?: PostgresOptions;
}

/**
 * Windowed business metrics: transactions at or above a minimum amount,
 * summed and counted per tumbling (hourly) window of their `date`.
 *
 * Amounts are `DECIMAL(12, 2)` (money is never a binary floating-point number:
 * 10.10 + 20.20 + 19.99 + 10.01 is 60.30, not 60.29999999999999); the sum is
 * `DECIMAL(38, 2)`. Flink's JSON format reads an amount written as a JSON number (exactly,
 * as a decimal), and writes the sum as a JSON number in plain notation
 * with two decimals (`"total_amount":60.30`): parse it as a decimal, not with
 * `JSON.parse`, where exactness matters.
 */
export function transactionsHourly(options: TransactionsHourlyOptions = {}): JobSpec {
  const transactions = jsonTopicSource(
    "transactions",
    { date: t.timestamp(3), amount: t.decimal(12, 2), user_id: t.string() },
    options.inputTopic,
    "date",
  );
  const hourly = table(
    "transactions_hourly",
    {
      window_start: t.timestamp(3),
      window_end: t.timestamp(3),
      // SUM of DECIMAL(12, 2) is DECIMAL(38, 2) in Flink: exact cents, never 60.29999999999999.
      total_amount: t.decimal(38, 2),
      transaction_count: t.bigint(),
    },
    {
      connector: kafka({
        topic: options.outputTopic ?? "transactions_hourly",
        format: DECIMAL_JSON,
        // The system of record for hourly totals: an append-only topic where a window re-emitted
        // after a failover would be a second row that a reader adds up twice.
        deliveryGuarantee: "exactly-once",
      }),
    },
  );

  const hourlyColumns = {
    window_start: t.timestamp(3),
    window_end: t.timestamp(3),
    // SUM of DECIMAL(12, 2) is DECIMAL(38, 2) in Flink: exact cents, never 60.29999999999999.
    total_amount: t.decimal(38, 2),
    transaction_count: t.bigint(),
  };
  const pg =
    options.postgres &&
    postgresResults(
      "transactions_hourly_pg",
      "transactions_hourly",
      hourlyColumns,
      ["window_start", "window_end"],
      options.postgres,
    );

  const perWindow = from(tumble(transactions, "date", options.window ?? hours(1)))
    .where((r) => gte(r.amount, options.minAmount ?? 10))
    .groupBy((r) => [r.window_start, r.window_end])
    .select((r) => ({
      window_start: r.window_start,
      window_end: r.window_end,
      total_amount: sum(r.amount),
      transaction_count: count(),
    }));

  const spec = exactlyOnceEventTimeJob(options, {
    name: "transactions-hourly",
    description: "Sum and count of transactions above a minimum amount per hour",
    tables: pg ? [transactions, hourly, pg] : [transactions, hourly],
    inserts: pg
      ? [insertInto(hourly, perWindow), insertInto(pg, perWindow)]
      : [insertInto(hourly, perWindow)],
  });
  return withPostgresRestarts(spec, options.postgres);
}
