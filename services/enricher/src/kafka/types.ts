/** Connection and group-timing settings. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  transactionTimeoutMs: number;
}

/** A consumed record. */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** A record to produce. */
export interface OutputRecord {
  topic: string;
  key: Buffer | string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** A topic the enricher needs. */
export interface TopicSpec {
  topic: string;
  partitions?: number;
  compacted?: boolean;
}

/** A chunk of one partition, to be turned into output records. */
export interface Chunk {
  topic: string;
  partition: number;
  records: InputRecord[];
  /** Aborted when the partition is being revoked or the consumer stops. */
  signal: AbortSignal;
}

/**
 * Why a chunk's transaction did not commit: `fenced` (another producer took its
 * transactional id: this member is a zombie), `abandoned` (given up on a rebalance or a
 * stop), `failed` (any other error; the batch is consumed again).
 */
export type NotCommittedReason = "fenced" | "abandoned" | "failed";

/** Options of a transactional, partition-fenced consumer. */
export interface TransactionalConsumerOptions {
  groupId: string;
  topic: string;
  /** Transactional id of the producer for one input partition. */
  transactionalId: (partition: number) => string;
  /** Most records per transaction. */
  chunkSize: number;
  /** Partitions processed concurrently by this member. */
  partitionsConcurrently: number;
  /** Output records for one chunk; committed with the chunk's offsets. */
  handle: (chunk: Chunk) => Promise<OutputRecord[]>;
  /** Called after each committed transaction. */
  onCommitted?: (chunk: Chunk, outputs: OutputRecord[]) => void;
  /** Called when a chunk's transaction did not commit. */
  onNotCommitted?: (partition: number, reason: NotCommittedReason) => void;
}

/** A running transactional consumer. */
export interface TransactionalConsumer {
  /** Stop fetching (back-pressure); records in hand are still processed. */
  pause(): void;
  resume(): void;
  /** False after a crash kafkajs does not restart from. */
  healthy(): boolean;
  stop(): Promise<void>;
}

/** A tail reader of a compacted topic. */
export interface CompactedReader {
  /** Resolves once the records present at start are read. */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** A plain (non-transactional) producer. */
export interface PlainProducer {
  send(records: OutputRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** The consumer-group timings of `settings`, in kafkajs's names. */
export function groupTimings(settings: KafkaSettings) {
  return {
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    rebalanceTimeout: settings.rebalanceTimeoutMs,
  };
}
