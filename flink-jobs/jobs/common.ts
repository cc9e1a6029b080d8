import {
  type ColumnDef,
  defineJob,
  type JobSpec,
  kafka,
  seconds,
  type Table,
  type TableOptions,
  t,
  table,
  timeField,
} from "@sluice/flink-jobs";

/** Defaults shared by the flagship jobs; every one can be overridden per job. */
export interface KafkaJobOptions {
  /** Kafka bootstrap servers written into every Kafka table (default `127.0.0.1:9092`, the local stack). */
  bootstrapServers?: string;
}

export const DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

/** Options of the jobs whose results wait for the watermark (windows, event-time OVER, temporal joins). */
export interface EventTimeJobOptions extends KafkaJobOptions {
  /**
   * How long a source partition may stay empty before it stops holding back the
   * watermark (`table.exec.source.idle-timeout`, default `5 s`; `0 ms` turns it off).
   * The watermark is the minimum over partitions, so without it one empty
   * partition of a multi-partition topic keeps every window open forever. The
   * price: a record that reaches a partition after it went idle, older than the
   * watermark the other partitions moved on, is late and windows drop it.
   */
  sourceIdleTimeout?: string;
}

export const DEFAULT_SOURCE_IDLE_TIMEOUT = "5 s";

/** Options of the jobs with an exactly-once Kafka sink. */
export interface ExactlyOnceJobOptions {
  /**
   * `execution.checkpointing.interval` (default `5 s`, the local stack's). An
   * exactly-once sink commits its output on each checkpoint, so this is also
   * how late readers see it; without checkpointing they would never see it.
   */
  checkpointInterval?: string;
}

export const DEFAULT_CHECKPOINT_INTERVAL = "5 s";

/** Topics of a job that reads one topic and writes one (each defaults to its table's name). */
export interface InputOutputTopics {
  inputTopic?: string;
  outputTopic?: string;
}

/** The `config` of an event-time flagship job (and, with `exactlyOnce`, of one with an exactly-once sink). */
export function eventTimeConfig(
  options: EventTimeJobOptions & ExactlyOnceJobOptions,
  { exactlyOnce = false } = {},
): Record<string, string> {
  return {
    "table.exec.source.idle-timeout": options.sourceIdleTimeout ?? DEFAULT_SOURCE_IDLE_TIMEOUT,
    ...(exactlyOnce
      ? { "execution.checkpointing.interval": options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL }
      : {}),
  };
}

/**
 * An event-time flagship job with an exactly-once Kafka sink: `definition` with the
 * job's Kafka defaults and the idle-timeout and checkpoint-interval config filled in.
 */
export function exactlyOnceEventTimeJob(
  options: EventTimeJobOptions & ExactlyOnceJobOptions,
  definition: Omit<Parameters<typeof defineJob>[0], "kafka" | "config">,
): JobSpec {
  return defineJob({
    ...definition,
    kafka: kafkaDefaults(options),
    config: eventTimeConfig(options, { exactlyOnce: true }),
  });
}

/**
 * JSON for source topics: a malformed line is skipped instead of failing the
 * job (Flink's JSON format throws on it, the job restarts and finally fails).
 */
export const LENIENT_JSON = { kind: "json", ignoreParseErrors: true } as const;

/**
 * JSON for sink topics holding money (DECIMAL): plain notation with the scale,
 * `"total_amount":60.30`, never `60.3` or `1E+2`.
 */
export const DECIMAL_JSON = { kind: "json", decimalAsPlainNumber: true } as const;

/** `kafka` defaults of a flagship job: its bootstrap servers. */
export function kafkaDefaults(options: KafkaJobOptions): { bootstrapServers: string } {
  return { bootstrapServers: options.bootstrapServers ?? DEFAULT_BOOTSTRAP_SERVERS };
}

/**
 * A source table on a topic of JSON records (default: the table's name), read from the
 * earliest offset (malformed lines skipped); with `eventTime`, watermarked 5 s behind it.
 *
 * @example
 * jsonTopicSource("transactions", { date: t.timestamp(3), amount: t.decimal(12, 2) }, "transactions", "date")
 * // CREATE TEMPORARY TABLE `transactions` (..., WATERMARK FOR `date` AS `date` - INTERVAL '5' SECOND)
 * // WITH ('connector' = 'kafka', 'topic' = 'transactions', 'format' = 'json', 'json.ignore-parse-errors' = 'true', ...)
 */
export function jsonTopicSource<N extends string, C extends Record<string, ColumnDef>>(
  name: N,
  columns: C,
  topic: string = name,
  eventTime?: NonNullable<TableOptions<C>["watermark"]>["column"],
): Table<N, C> {
  return table(name, columns, {
    connector: kafka({ topic, format: LENIENT_JSON, startupMode: "earliest-offset" }),
    ...(eventTime === undefined ? {} : { watermark: { column: eventTime, delay: seconds(5) } }),
  });
}

/**
 * Columns of a temperature reading (`sensor_data`), shared by the sensor jobs. Producers write
 * `timestamp` in epoch milliseconds (`{"device_id": "sensor-042", "timestamp": 1700000000000,
 * "temperature": 101.3}`, as Python's `int(time.time() * 1000)` gives): it is read as a BIGINT
 * field, and the jobs' event time is `event_time`, the instant it names (TIMESTAMP_LTZ(3)).
 */
export const READING_COLUMNS = {
  device_id: t.string(),
  event_time: timeField("timestamp", "epoch-millis"),
  temperature: t.double(),
};

/**
 * Columns of a sensor job's alert: the reading's device, its time (`timestamp`, the reading's
 * `event_time`) and temperature. The sink writes `timestamp` as ISO-8601 in UTC
 * (`"2023-11-14T22:13:20Z"`, `"2023-11-14T22:13:22.25Z"`): an instant any JSON reader parses.
 */
export const ALERT_COLUMNS = { device_id: t.string(), timestamp: t.timestampLtz(3), temperature: t.double() };

/** JSON for the sensor alert sinks: instants as ISO-8601 text in UTC (`...T22:13:20Z`). */
export const ALERT_JSON = { kind: "json", timestampFormat: "ISO-8601" } as const;

/** The sensor jobs' input: readings on `topic` (default `sensor_data`), event time `event_time`. */
export function sensorData(topic?: string) {
  return jsonTopicSource("sensor_data", READING_COLUMNS, topic, "event_time");
}

/**
 * An alert sink of the sensor jobs: {@link ALERT_COLUMNS} plus `extraColumns`, on
 * `topic` (default: the table's name). At-least-once on purpose: alerts should
 * arrive without waiting for a checkpoint, and a repeated alert (same device
 * and timestamp) after a failover is harmless to act on.
 */
export function alertTopic<N extends string, C extends Record<string, ColumnDef>>(
  name: N,
  extraColumns: C,
  topic: string = name,
) {
  return table(
    name,
    { ...ALERT_COLUMNS, ...extraColumns },
    { connector: kafka({ topic, format: ALERT_JSON }) },
  );
}

/**
 * A sensor job's tables: the readings on `options.inputTopic` and the alert sink `name` (a reading's
 * columns plus `extraColumns`) on `options.outputTopic`, default the sink's name.
 */
export function sensorReadingsTo<N extends string, C extends Record<string, ColumnDef>>(
  options: InputOutputTopics,
  name: N,
  extraColumns: C,
) {
  return {
    readings: sensorData(options.inputTopic),
    sink: alertTopic(name, extraColumns, options.outputTopic ?? name),
  };
}
