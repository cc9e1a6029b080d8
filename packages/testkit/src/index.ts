/**
 * Helpers for integration tests against the real Flink and Kafka stack.
 *
 * @example
 *   import { createTopic, consumeAll, produceJson, uniqueName, waitFor } from "@sluice/testkit";
 *   const topic = uniqueName("sensor_data");
 *   await createTopic(topic);
 *   await produceJson(topic, [{ device_id: "d1", temperature: 101 }], { key: "device_id" });
 *   const records = await consumeAll(topic, { expected: 1 });
 */
export {
  ensureFunctionsJar,
  freePort,
  functionsJar,
  killComponent,
  stackDown,
  stackSettings,
  stackUp,
} from "@sluice/stack";
export { endpointsAreExplicit, type StackEndpoints, stackEndpoints } from "./endpoints.ts";
export {
  isoInstant,
  jobTrouble,
  type ReadSinkOptions,
  readSink,
  StackResources,
  sqlTimestamp,
  stackFlinkClient,
  stopJob,
} from "./flink.ts";
export { withFunctionsJar } from "./functions.ts";
export {
  type ConsumedRecord,
  type ConsumeOptions,
  committedUpTo,
  consumeAll,
  consumedRecord,
  createTopic,
  createTopics,
  deleteTopics,
  endOffsets,
  kafkaClient,
  latestByKey,
  type ProduceOptions,
  produceJson,
  produceRaw,
  type RawRecord,
  type TopicSpec,
} from "./kafka.ts";
export { uniqueName } from "./names.ts";
export { dropPgTables, pgQuery, stackPostgres, uniquePgTable, withStackSecrets } from "./postgres.ts";
export { type DatagenJobOptions, datagenToBlackhole } from "./specs.ts";
export { type WaitOptions, waitFor } from "./wait.ts";
