import { FAULT_KINDS, type FaultKind } from "./faults.ts";
import type { LimitKind } from "./rate-limit.ts";

/** Counters exposed by `GET /stats` and `stats()`. */
export interface ModelServerStats {
  /** Chat completion requests received, whatever their outcome. */
  requests: number;
  /** Chat completions answered with HTTP 200 (including content faults). */
  completions: number;
  /** Records answered in themes tasks. */
  records: number;
  rateLimited: number;
  rateLimitedBy: Record<LimitKind, number>;
  unauthorized: number;
  badRequests: number;
  faults: Record<FaultKind, number>;
  tokens: { prompt: number; completion: number; total: number };
  /** Most admitted chat completions in progress at once (how parallel the client really was). */
  peakInFlight: number;
}

export function emptyStats(): ModelServerStats {
  return {
    requests: 0,
    completions: 0,
    records: 0,
    rateLimited: 0,
    rateLimitedBy: { requests: 0, tokens: 0 },
    unauthorized: 0,
    badRequests: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    tokens: { prompt: 0, completion: 0, total: 0 },
    peakInFlight: 0,
  };
}
