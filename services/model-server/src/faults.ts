import { z } from "zod";

/**
 * Faults the server can inject, as fractions (0..1) of admitted chat completion requests:
 * - `5xx`: HTTP 500 or 503 with an OpenAI error body;
 * - `timeout`: the request is held open past any sensible client timeout, then the socket
 *   is closed without a response;
 * - `invalid_json`: HTTP 200 whose message content is prose, not JSON;
 * - `wrong_ids` (themes tasks only): HTTP 200 whose results alter the first record's id and drop the last
 *   record (with one record: only the altered id);
 * - `truncated`: HTTP 200 with `finish_reason: "length"` and the content cut in half.
 */
export const FAULT_KINDS = ["5xx", "timeout", "invalid_json", "wrong_ids", "truncated"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Record<FaultKind, number>;

const rate = z.number().min(0).max(1);

/** Partial fault rates; missing kinds are 0. Their sum must not exceed 1. */
export const faultRatesSchema = z
  .object({
    "5xx": rate.default(0),
    timeout: rate.default(0),
    invalid_json: rate.default(0),
    wrong_ids: rate.default(0),
    truncated: rate.default(0),
  })
  .strict()
  .refine((r) => FAULT_KINDS.reduce((sum, k) => sum + r[k], 0) <= 1 + 1e-9, {
    message: "fault rates must add up to at most 1",
  });

/**
 * mulberry32: a tiny seeded PRNG, so that the same seed and the same sequence of requests
 * give the same faults and the same jitter in every run.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Decides, one draw per request, whether and which fault to inject. */
export class FaultInjector {
  #rates: FaultRates;
  readonly #random: () => number;

  constructor(rates: FaultRates, seed: number) {
    this.#rates = { ...rates };
    this.#random = seededRandom(seed);
  }

  get rates(): FaultRates {
    return { ...this.#rates };
  }

  set rates(rates: FaultRates) {
    this.#rates = { ...rates };
  }

  /** The fault for the next request, or undefined. Always draws, so runs stay aligned. */
  next(): FaultKind | undefined {
    const draw = this.#random();
    let threshold = 0;
    for (const kind of FAULT_KINDS) {
      threshold += this.#rates[kind];
      if (draw < threshold) return kind;
    }
    return undefined;
  }

  /** A second draw for choices inside a fault (500 or 503). */
  coin(): boolean {
    return this.#random() < 0.5;
  }
}
