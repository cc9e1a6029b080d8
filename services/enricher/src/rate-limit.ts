/** What the provider's response headers say about its rate limits. */
export interface RateLimitInfo {
  /** `retry-after-ms` or `retry-after` (seconds or an HTTP date), in milliseconds. */
  retryAfterMs?: number;
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  /** Time until the request budget resets, in milliseconds. */
  resetRequestsMs?: number;
  /** Time until the token budget resets, in milliseconds. */
  resetTokensMs?: number;
}

/**
 * Parses OpenAI's duration format ("1s", "6m0s", "20ms", "1m30.5s", "2h") or a bare
 * number of seconds into milliseconds; `undefined` when unparseable.
 *
 * @example parseDurationMs("1m30.5s") // 90500
 */
export function parseDurationMs(value: string | null | undefined): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/u.test(text)) return Math.round(Number(text) * 1000);
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|h|m|s)/u;
  while (rest !== "") {
    const match = part.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (unit[match[2] as string] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

function parseCount(value: string | null | undefined): number | undefined {
  if (value == null || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Reads the rate-limit headers of a response (any object with a `get(name)`). */
export function parseRateLimitHeaders(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
): RateLimitInfo {
  if (!headers) return {};
  const info: RateLimitInfo = {};
  const retryAfterMs = parseCount(headers.get("retry-after-ms"));
  if (retryAfterMs !== undefined) {
    info.retryAfterMs = retryAfterMs;
  } else {
    const retryAfter = headers.get("retry-after");
    if (retryAfter != null) {
      const seconds = parseCount(retryAfter);
      if (seconds !== undefined) info.retryAfterMs = Math.round(seconds * 1000);
      else {
        const date = Date.parse(retryAfter);
        if (!Number.isNaN(date)) info.retryAfterMs = Math.max(0, date - now);
      }
    }
  }
  const limitRequests = parseCount(headers.get("x-ratelimit-limit-requests"));
  if (limitRequests !== undefined && limitRequests > 0) info.limitRequests = limitRequests;
  const limitTokens = parseCount(headers.get("x-ratelimit-limit-tokens"));
  if (limitTokens !== undefined && limitTokens > 0) info.limitTokens = limitTokens;
  const remainingRequests = parseCount(headers.get("x-ratelimit-remaining-requests"));
  if (remainingRequests !== undefined) info.remainingRequests = remainingRequests;
  const remainingTokens = parseCount(headers.get("x-ratelimit-remaining-tokens"));
  if (remainingTokens !== undefined) info.remainingTokens = remainingTokens;
  const resetRequestsMs = parseDurationMs(headers.get("x-ratelimit-reset-requests"));
  if (resetRequestsMs !== undefined) info.resetRequestsMs = resetRequestsMs;
  const resetTokensMs = parseDurationMs(headers.get("x-ratelimit-reset-tokens"));
  if (resetTokensMs !== undefined) info.resetTokensMs = resetTokensMs;
  return info;
}
