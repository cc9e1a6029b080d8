/** One review to enrich, as the model sees it. */
export interface ReviewInput {
  /** The record's id (the task's `idField`), used to map results back. */
  id: string;
  text: string;
}

/** Limits of one model request. */
export interface BatchLimits {
  /** Most records per request. */
  maxRecords: number;
  /** Most estimated input tokens per request (prompt overhead included). */
  maxTokens: number;
}

/** Tokens the system prompt and the JSON envelope cost once per request. */
export const REQUEST_OVERHEAD_TOKENS = 200;
/** Tokens the `{"id":..,"text":..}` wrapper costs per record, besides the text. */
export const RECORD_OVERHEAD_TOKENS = 12;

/**
 * A cheap, conservative token estimate: about four characters per token for English,
 * and JSON escaping counted. Exact tokenisation would need the model's tokenizer; the
 * estimate only has to keep requests under the provider's context and TPM limits.
 *
 * @example estimateTokens("Great battery life") // 5
 */
export function estimateTokens(text: string): number {
  return Math.ceil(JSON.stringify(text).length / 4);
}

/** Estimated input tokens of one record inside a request. */
export function recordTokens(record: ReviewInput): number {
  return estimateTokens(record.text) + estimateTokens(record.id) + RECORD_OVERHEAD_TOKENS;
}

/** Estimated input tokens of a whole request for these records. */
export function requestTokens(records: readonly ReviewInput[]): number {
  return records.reduce((sum, r) => sum + recordTokens(r), REQUEST_OVERHEAD_TOKENS);
}

/**
 * Packs records, in order, into requests of at most `maxRecords` records and
 * `maxTokens` estimated tokens. A record too large for any request gets a request of
 * its own (the model may still accept it; if not, it is dead-lettered alone).
 *
 * @example planBatches(records, { maxRecords: 20, maxTokens: 6000 }) // [[r1..r20], [r21..]]
 */
export function planBatches<T extends ReviewInput>(records: readonly T[], limits: BatchLimits): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let tokens = REQUEST_OVERHEAD_TOKENS;
  for (const record of records) {
    const cost = recordTokens(record);
    if (current.length > 0 && (current.length >= limits.maxRecords || tokens + cost > limits.maxTokens)) {
      batches.push(current);
      current = [];
      tokens = REQUEST_OVERHEAD_TOKENS;
    }
    current.push(record);
    tokens += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Splits a batch in two halves (the first half gets the extra record). */
export function splitInHalves<T>(batch: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(batch.length / 2);
  return [batch.slice(0, mid), batch.slice(mid)];
}
