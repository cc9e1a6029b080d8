/** Defaults shared by the flagship jobs; every one can be overridden per job. */
export interface KafkaJobOptions {
  /** Kafka bootstrap servers written into every Kafka table (default `127.0.0.1:9092`, the local stack). */
  bootstrapServers?: string;
}

export const DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

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
