export { KafkaGateway } from "./gateway.ts";
export { bySize } from "./produce.ts";
export type {
  Chunk,
  CompactedReader,
  InputRecord,
  KafkaSettings,
  NotCommittedReason,
  OutputRecord,
  PlainProducer,
  TopicSpec,
  TransactionalConsumer,
  TransactionalConsumerOptions,
} from "./types.ts";
