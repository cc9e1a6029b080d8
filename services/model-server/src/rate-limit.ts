/**
 * Per-minute rate limits as OpenAI applies them: a requests bucket (RPM) and a tokens
 * bucket (TPM). Each bucket holds at most `limit` units and refills continuously at
 * `limit / 60 s`, so a client that paces itself evenly never sees a 429, and a burst
 * drains the bucket. A limit of 0 means unlimited. Rejected requests consume nothing.
 */

/** A continuously refilling bucket with `limit` capacity per minute. */
export class MinuteBucket {
  readonly limit: number;
  #available: number;
  #updatedAt: number;

  constructor(limit: number, now: number) {
    this.limit = limit;
    this.#available = limit;
    this.#updatedAt = now;
  }

  /** Units per millisecond. */
  get #ratePerMs(): number {
    return this.limit / 60_000;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#available = Math.min(this.limit, this.#available + elapsed * this.#ratePerMs);
    this.#updatedAt = now;
  }

  /** Whole units available now. */
  remaining(now: number): number {
    this.#refill(now);
    return Math.floor(this.#available);
  }

  /** Milliseconds until `amount` units are available (0 when they already are). */
  waitFor(amount: number, now: number): number {
    this.#refill(now);
    if (this.#available >= amount) return 0;
    return Math.ceil((amount - this.#available) / this.#ratePerMs);
  }

  /** Milliseconds until the bucket is full again (OpenAI's "reset"). */
  resetIn(now: number): number {
    this.#refill(now);
    return Math.ceil((this.limit - this.#available) / this.#ratePerMs);
  }

  take(amount: number, now: number): void {
    this.#refill(now);
    this.#available -= amount;
  }
}

/** Which limit a request ran into; OpenAI puts this in the error's `type`. */
export type LimitKind = "requests" | "tokens";

export type Admission =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      readonly kind: LimitKind;
      /** How long until a retry of the same request would be admitted. */
      readonly retryAfterMs: number;
      readonly message: string;
    };

export interface RateLimits {
  /** Requests per minute; 0 = unlimited. */
  readonly rpm: number;
  /** Tokens per minute (prompt + completion estimate); 0 = unlimited. */
  readonly tpm: number;
}

/** The RPM and TPM buckets of one server, checked together. */
export class RateLimiter {
  readonly #requests: MinuteBucket | undefined;
  readonly #tokens: MinuteBucket | undefined;
  readonly #model: string;

  constructor(limits: RateLimits, now: number, model = "the model") {
    this.#requests = limits.rpm > 0 ? new MinuteBucket(limits.rpm, now) : undefined;
    this.#tokens = limits.tpm > 0 ? new MinuteBucket(limits.tpm, now) : undefined;
    this.#model = model;
  }

  /**
   * Admit one request that costs `tokens`, taking from both buckets, or explain which
   * limit it hit. Checked before any work so that a rejected request costs nothing.
   */
  admit(tokens: number, now: number, model = this.#model): Admission {
    const requests = this.#requests;
    if (requests) {
      const wait = requests.waitFor(1, now);
      if (wait > 0) {
        return {
          admitted: false,
          kind: "requests",
          retryAfterMs: wait,
          message:
            `Rate limit reached for requests on ${model}: Limit ${requests.limit}, Used ${requests.limit}, ` +
            `Requested 1. Please try again in ${formatDuration(wait)}.`,
        };
      }
    }
    const bucket = this.#tokens;
    if (bucket) {
      if (tokens > bucket.limit) {
        // Can never succeed: OpenAI answers this with 429 too ("Request too large").
        return {
          admitted: false,
          kind: "tokens",
          retryAfterMs: bucket.resetIn(now),
          message:
            `Request too large for ${model} on tokens per min (TPM): Limit ${bucket.limit}, ` +
            `Requested ${tokens}. The input or output tokens must be reduced in order to run successfully.`,
        };
      }
      const wait = bucket.waitFor(tokens, now);
      if (wait > 0) {
        const used = bucket.limit - bucket.remaining(now);
        return {
          admitted: false,
          kind: "tokens",
          retryAfterMs: wait,
          message:
            `Rate limit reached for tokens on ${model}: Limit ${bucket.limit}, Used ${used}, ` +
            `Requested ${tokens}. Please try again in ${formatDuration(wait)}.`,
        };
      }
    }
    requests?.take(1, now);
    bucket?.take(tokens, now);
    return { admitted: true };
  }

  /**
   * The `x-ratelimit-*` headers describing the buckets right now. A dimension without a
   * limit gets no headers, like servers (vLLM, Ollama) that have none.
   */
  headers(now: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [kind, bucket] of [
      ["requests", this.#requests],
      ["tokens", this.#tokens],
    ] as const) {
      if (!bucket) continue;
      out[`x-ratelimit-limit-${kind}`] = String(bucket.limit);
      out[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, bucket.remaining(now)));
      out[`x-ratelimit-reset-${kind}`] = formatDuration(bucket.resetIn(now));
    }
    return out;
  }
}

/**
 * A duration in the format OpenAI uses for `x-ratelimit-reset-*` (Go's `time.Duration`
 * string, at millisecond resolution): `0s`, `12ms`, `1s`, `1.5s`, `59.983s`, `6m0s`,
 * `1h2m3.5s`.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const millis = total % 60_000;
  const seconds = `${Math.floor(millis / 1000)}${
    millis % 1000
      ? `.${String(millis % 1000)
          .padStart(3, "0")
          .replace(/0+$/, "")}`
      : ""
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
