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
 * JSON for source topics: a malformed line is skipped instead of failing the
 * job (Flink's JSON format throws on it, the job restarts and finally fails).
 */
export const LENIENT_JSON = { kind: "json", ignoreParseErrors: true } as const;

/**
 * JSON for sink topics holding money (DECIMAL): plain notation with the scale,
 * `"total_amount":60.30`, never `60.3` or `1E+2`.
 */
export const DECIMAL_JSON = { kind: "json", decimalAsPlainNumber: true } as const;
