import { randomBytes } from "node:crypto";
import { configFromEnv, silentLogger, startEnricher } from "@sluice/enricher";
import type { EnrichmentTask } from "@sluice/flink-jobs";
import { themesFor } from "@sluice/model-server";
import { Kafka, logLevel } from "kafkajs";
import type { Review } from "./reviews.ts";

/**
 * (c) The Sluice enricher, end to end through Kafka: the reviews are produced to a fresh
 * input topic first, then the enricher (its programmatic entry `startEnricher`, with a
 * static themes task and a fresh cache topic) runs until every review is on the output or
 * dead-letter topic, read with read_committed. Timed from `startEnricher` to the last record.
 * Every output's themes are checked against `themesFor` (the model stand-in's answer).
 */
export async function runEnricher(options: {
  reviews: readonly Review[];
  baseUrl: string;
  apiKey: string;
  model: string;
  partitions: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<{ seconds: number; enriched: number; deadLettered: number; wrongThemes: number }> {
  const brokers = (process.env.SLUICE_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
  const id = randomBytes(4).toString("hex");
  const topics = {
    input: `bench.enrich.${id}.reviews`,
    output: `bench.enrich.${id}.themes`,
    deadLetter: `bench.enrich.${id}.dlq`,
    cache: `bench.enrich.${id}.cache`,
  };
  const kafka = new Kafka({ clientId: `bench-enrich-${id}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const expected = new Map(options.reviews.map((r) => [r.id, themesFor(r.text)]));
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.input, numPartitions: options.partitions },
        { topic: topics.output, numPartitions: options.partitions },
        { topic: topics.deadLetter, numPartitions: 1 },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < options.reviews.length; i += 1000) {
      await producer.send({
        topic: topics.input,
        messages: options.reviews.slice(i, i + 1000).map((r) => ({
          key: r.id,
          value: JSON.stringify({ review_id: r.id, review_text: r.text }),
        })),
      });
    }
    await producer.disconnect();

    // Read the results before starting the enricher so no record is missed.
    const consumer = kafka.consumer({ groupId: `bench-enrich-reader-${id}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.output, topics.deadLetter], fromBeginning: true });
    const seen = new Set<string>();
    let enriched = 0;
    let deadLettered = 0;
    let wrongThemes = 0;
    let lastAt = 0;
    let done!: () => void;
    const allSeen = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString() ?? "";
        if (seen.has(key)) return; // duplicates would be a bug; counted by the size check below
        seen.add(key);
        if (topic === topics.output) {
          enriched++;
          const value = JSON.parse(message.value?.toString() ?? "{}") as { themes?: string[] };
          if (JSON.stringify(value.themes) !== JSON.stringify(expected.get(key))) wrongThemes++;
        } else {
          deadLettered++;
        }
        lastAt = performance.now();
        if (seen.size === options.reviews.length) done();
      },
    });

    const task: EnrichmentTask = {
      id: `bench-${id}.themes`,
      job: `bench-${id}`,
      name: "themes",
      inputTopic: topics.input,
      outputTopic: topics.output,
      deadLetterTopic: topics.deadLetter,
      idField: "review_id",
      textField: "review_text",
      model: options.model,
      task: { kind: "themes", outputField: "themes", maxThemes: 5, maxThemeLength: 40 },
    };
    const config = configFromEnv({
      KAFKA_BROKERS: brokers.join(","),
      OPENAI_BASE_URL: options.baseUrl,
      OPENAI_API_KEY: options.apiKey,
      ENRICHER_TASK: JSON.stringify(task),
      ENRICHER_GROUP_ID: `bench-enrich-${id}`,
      ENRICHER_TRANSACTIONAL_ID_PREFIX: `bench-enrich-${id}`,
      ENRICHER_CACHE_TOPIC: topics.cache,
      ENRICHER_HTTP_HOST: "127.0.0.1",
      ENRICHER_HTTP_PORT: "0",
      ENRICHER_LOG_LEVEL: "error",
    });
    const started = performance.now();
    const enricher = await startEnricher(config, { logger: silentLogger });
    options.log(`(c) enricher started on ${topics.input}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        allSeen,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`(c) timed out with ${seen.size}/${options.reviews.length} records`)),
            options.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await enricher.stop();
      await consumer.disconnect();
    }
    return { seconds: (lastAt - started) / 1000, enriched, deadLettered, wrongThemes };
  } finally {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin.disconnect();
  }
}
