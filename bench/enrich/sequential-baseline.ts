import OpenAI from "openai";
import type { Review } from "./reviews.ts";

/** The instruction the one-review-per-request baselines send as the system message. */
export const SINGLE_REVIEW_PROMPT =
  "Extract the key themes of the product review as a JSON array of short lower-case strings. " +
  "Output only the JSON array.";

/**
 * Baseline (a), the origin example's shape: a plain OpenAI client, one review per request,
 * one request at a time, the review text as the user message, no batching, no cache.
 * Returns the seconds it took and how many replies were not a JSON array of strings.
 */
export async function runSequential(options: {
  reviews: readonly Review[];
  baseUrl: string;
  apiKey: string;
  model: string;
}): Promise<{ seconds: number; unusable: number }> {
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey });
  let unusable = 0;
  const started = performance.now();
  for (const review of options.reviews) {
    const completion = await client.chat.completions.create({
      model: options.model,
      temperature: 0,
      messages: [
        { role: "system", content: SINGLE_REVIEW_PROMPT },
        { role: "user", content: review.text },
      ],
    });
    try {
      const themes: unknown = JSON.parse(completion.choices[0]?.message.content ?? "");
      if (!Array.isArray(themes) || !themes.every((t) => typeof t === "string")) unusable++;
    } catch {
      unusable++;
    }
  }
  return { seconds: (performance.now() - started) / 1000, unusable };
}
