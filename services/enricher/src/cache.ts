import { LRUCache } from "lru-cache";

/**
 * A bounded least-recently-used map of cache key -> enrichment result (themes, or a
 * custom task's result). Persistence is the caller's (the Kafka cache topic); this is
 * only the memory part, an `lru-cache` underneath.
 *
 * @example
 * const cache = new ThemeCache(2);
 * cache.set("k", ["price"]); cache.get("k") // ["price"]
 */
export class ThemeCache {
  readonly #entries: LRUCache<string, NonNullable<unknown>>;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError("cache needs at least one entry");
    }
    this.#entries = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry, marked most recently used; `undefined` when absent. */
  get(key: string): unknown {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Stores a result; `null` and `undefined` are not results and are ignored. */
  set(key: string, value: unknown): void {
    if (value === null || value === undefined) return;
    this.#entries.set(key, value);
  }
}
