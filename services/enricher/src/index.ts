export { type BackoffPolicy, backoffDelay, RetrySchedule } from "./backoff.ts";
export {
  type BatchLimits,
  estimateTokens,
  planBatches,
  type ReviewInput,
  requestTokens,
  splitInHalves,
} from "./batching.ts";
export { ThemeCache } from "./cache.ts";
export { ConcurrencyController, type ConcurrencyOptions, type Permit } from "./concurrency.ts";
export { configFromEnv, type EnricherConfig } from "./config.ts";
export {
  type EnrichContext,
  EnrichmentEngine,
  type RecordErrorCode,
  type RecordOutcome,
} from "./engine.ts";
export { type Enricher, type EnricherOptions, startEnricher } from "./enricher.ts";
export {
  ChunkNotCommittedError,
  ConfigError,
  EnricherError,
  type EnricherErrorCode,
  ModelCallError,
  type ModelErrorCode,
  ModelUnavailableError,
  UnsupportedTaskError,
} from "./errors.ts";
export { jsonLogger, type Logger, silentLogger } from "./log.ts";
export { EnricherMetrics } from "./metrics.ts";
export { OpenAIModelClient } from "./model-client.ts";
export {
  type CustomReply,
  type CustomRequest,
  type ModelClient,
  type ModelReply,
  parseThemesContent,
  THEMES_RESPONSE_SCHEMA,
  type ThemesReply,
  type ThemesRequest,
} from "./model-protocol.ts";
export { cacheKey, normaliseText, normaliseThemes, PROMPT_VERSION } from "./normalise.ts";
export { parseDurationMs, parseRateLimitHeaders, type RateLimitInfo } from "./rate-limit.ts";
export { deadLetterRecord, enrichedRecord, parseReview } from "./records.ts";
