import { createHash } from "node:crypto";
import type { EnrichmentTask } from "@sluice/flink-jobs";

/** Bumped whenever the prompt changes, so cached themes from an older prompt are not reused. */
export const PROMPT_VERSION = "themes-v1";

/**
 * Normalises a review text for cache keys: Unicode NFC, trimmed, runs of whitespace
 * collapsed to one space. Case is kept (it can carry meaning, e.g. "US" vs "us").
 *
 * @example normaliseText("  Great\n\tbattery ") === "Great battery"
 */
export function normaliseText(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/** The bounds a task puts on themes. */
export interface ThemeBounds {
  maxThemes: number;
  maxThemeLength: number;
}

/**
 * Cleans the model's themes: lower-cased, trimmed, whitespace collapsed, empty and
 * non-string entries dropped, duplicates removed (first wins), each cut to
 * `maxThemeLength` characters and at most `maxThemes` kept. The model's output is
 * untrusted, so these bounds hold whatever it returns.
 *
 * @example normaliseThemes([" Battery  Life", "battery life", ""], { maxThemes: 5, maxThemeLength: 40 })
 *   // ["battery life"]
 */
export function normaliseThemes(themes: readonly unknown[], bounds: ThemeBounds): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of themes) {
    if (typeof raw !== "string") continue;
    const cleaned = [...raw.normalize("NFC").toLowerCase().replace(/\s+/gu, " ").trim()]
      .slice(0, bounds.maxThemeLength)
      .join("")
      .trim();
    if (cleaned === "" || seen.has(cleaned)) continue;
    seen.add(cleaned);
    out.push(cleaned);
    if (out.length >= bounds.maxThemes) break;
  }
  return out;
}

/**
 * The cache key of one review under one task and model: sha256 (hex) of the normalised
 * text, the task kind and parameters that change the answer, the prompt version and the
 * model. Two reviews with the same text (up to whitespace) share a key, whatever their ids.
 *
 * @example cacheKey("Great  battery", task, "gpt-4o") === cacheKey(" Great battery ", task, "gpt-4o")
 */
export function cacheKey(text: string, task: EnrichmentTask, model: string): string {
  const params =
    task.task.kind === "themes"
      ? { kind: "themes", maxThemes: task.task.maxThemes, maxThemeLength: task.task.maxThemeLength }
      : { kind: "custom", prompt: task.task.prompt, outputSchema: task.task.outputSchema };
  return createHash("sha256")
    .update(JSON.stringify([PROMPT_VERSION, model, params, normaliseText(text)]))
    .digest("hex");
}
