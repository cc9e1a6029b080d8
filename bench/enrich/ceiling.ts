/** The limits a model server enforces, per minute (0 = unlimited). */
export interface Limits {
  rpm: number;
  tpm: number;
}

/**
 * The steady-state throughput ceiling the rate limits allow, in input records per second:
 * requests/min x records per request, or tokens/min / tokens per record, whichever is
 * lower, scaled up by the share of records that never reach the model (cache hits).
 *
 * `modelRecordsPerRequest` is the batch size; `tokensPerModelRecord` the tokens one record
 * sent to the model costs (its share of prompt, instructions and answer);
 * `modelShare` = records sent to the model / input records (1 without a cache).
 *
 * @example
 * ceilingRecordsPerSecond({ rpm: 600, tpm: 150_000 }, { modelRecordsPerRequest: 1, tokensPerModelRecord: 120, modelShare: 1 })
 * // => 10 (600 requests/min, one record each: RPM-bound)
 */
export function ceilingRecordsPerSecond(
  limits: Limits,
  usage: { modelRecordsPerRequest: number; tokensPerModelRecord: number; modelShare: number },
): number {
  const byRequests =
    limits.rpm > 0 ? (limits.rpm * usage.modelRecordsPerRequest) / 60 : Number.POSITIVE_INFINITY;
  const byTokens =
    limits.tpm > 0 && usage.tokensPerModelRecord > 0
      ? limits.tpm / usage.tokensPerModelRecord / 60
      : Number.POSITIVE_INFINITY;
  const modelRate = Math.min(byRequests, byTokens);
  return usage.modelShare > 0 ? modelRate / usage.modelShare : Number.POSITIVE_INFINITY;
}
