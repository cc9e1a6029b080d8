/**
 * A bounded least-recently-used map of cache key -> enrichment result (themes, or a
 * custom task's result; never `undefined`). Persistence is the
 * caller's (the Kafka cache topic); this class is only the memory part.
 *
 * @example
 * const cache = new ThemeCache(2);
 * cache.set("k", ["price"]); cache.get("k") // ["price"]
 */
export class ThemeCache {
  readonly #max: number;
  readonly #entries = new Map<string, unknown>();

  constructor(maxEntries: number) {
    if (maxEntries < 1) throw new RangeError("cache needs at least one entry");
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): unknown {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: unknown): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
