/** Defaults shared by the flagship jobs; every one can be overridden per job. */
export interface KafkaJobOptions {
  /** Kafka bootstrap servers written into every Kafka table (default `127.0.0.1:9092`, the local stack). */
  bootstrapServers?: string;
}

export const DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
