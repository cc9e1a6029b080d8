import { ThemeCache } from "./cache.ts";
import type { KafkaGateway, OutputRecord } from "./kafka/index.ts";
import type { Logger } from "./log.ts";

/** The theme cache: memory LRU in front, a compacted topic behind. */
export interface CacheStore {
  readonly cache: ThemeCache;
  /** Writes a new entry to the topic (batched, best effort). */
  persist(key: string, value: unknown): void;
  /** Stops reading; writes what is pending, then closes the producer. */
  stop(): Promise<void>;
}

/**
 * Loads the cache from its compacted topic (survives restarts and is shared by the
 * instances of a group) and keeps tailing it. Entries are written as soon as the model
 * answers, outside the output transactions: a crash before the commit must not make
 * the next run pay again. One send at a time; entries arriving meanwhile go out
 * together in the next one.
 */
export async function openCacheStore(
  gateway: KafkaGateway,
  options: { topic: string; maxEntries: number },
  logger: Logger,
): Promise<CacheStore> {
  const cache = new ThemeCache(options.maxEntries);
  await gateway.ensureTopics([{ topic: options.topic, compacted: true, partitions: 1 }]);
  const reader = await gateway.readCompacted(options.topic, (key, value) => {
    if (value === null) return;
    try {
      cache.set(key, JSON.parse(value.toString("utf8")));
    } catch {
      // A bad cache entry costs one model call, nothing else.
    }
  });
  const producer = await gateway.producer().catch(async (error: unknown) => {
    await reader.stop();
    throw error;
  });
  let pending: OutputRecord[] = [];
  let sending: Promise<void> | undefined;
  const flush = (): Promise<void> => {
    if (sending) return sending;
    if (pending.length === 0) return Promise.resolve();
    const entries = pending;
    pending = [];
    sending = producer
      .send(entries)
      .catch((error: unknown) =>
        logger.log("warn", "cache write failed", { error: String(error), entries: entries.length }),
      )
      .finally(() => {
        sending = undefined;
        void flush();
      });
    return sending;
  };
  await reader.caughtUp;
  return {
    cache,
    persist: (key, value) => {
      pending.push({ topic: options.topic, key, value: JSON.stringify(value) });
      void flush();
    },
    stop: async () => {
      await reader.stop();
      while (sending || pending.length > 0) await flush();
      await producer.close();
    },
  };
}
