/**
 * The model server's stand-in for a language model: a fixed lexicon of product-review
 * themes, each with trigger words. It is NOT a language model; it exists so that tests,
 * benchmarks and the offline demo get plausible, reproducible themes without the internet.
 *
 * Matching rules (kept simple so a test can predict the output by reading the lexicon):
 * - the text is lower-cased, accents are stripped, and every run of characters that is not
 *   a letter or digit becomes one space;
 * - a trigger matches at the start of a word: `"batter"` matches "battery" and "batteries";
 *   a trigger ending in a space (`"fit "`) matches the whole word only; a trigger with
 *   spaces inside (`"customer serv"`) matches that word sequence;
 * - a theme's position is that of its earliest trigger; themes come out in order of first
 *   appearance (ties broken by lexicon order), lower-case, at most `maxThemes` of them;
 * - text with no trigger gives an empty array (no "general" fallback theme), so reviews
 *   that say nothing recognisable add nothing to theme counts downstream.
 */

/** One lexicon entry: the theme's name (lower-case) and its trigger stems. */
export interface ThemeEntry {
  readonly theme: string;
  readonly triggers: readonly string[];
}

/** The lexicon, in tie-break order. Exported so tests and docs can show it. */
export const THEME_LEXICON: readonly ThemeEntry[] = [
  { theme: "battery life", triggers: ["batter"] },
  { theme: "charging", triggers: ["charg", "recharg"] },
  {
    theme: "price",
    triggers: ["price", "pricey", "pricing", "expensive", "cheap ", "afford", "overpric", "cost"],
  },
  { theme: "value for money", triggers: ["value", "worth", "bang for", "bargain", "money"] },
  { theme: "shipping", triggers: ["ship"] },
  { theme: "delivery", triggers: ["deliver", "arriv", "courier"] },
  { theme: "packaging", triggers: ["packag", "box ", "boxes ", "wrapping"] },
  {
    theme: "customer service",
    triggers: ["customer serv", "customer support", "support", "seller", "service"],
  },
  { theme: "returns", triggers: ["return", "refund", "exchang"] },
  {
    theme: "build quality",
    triggers: ["build", "built", "sturd", "flims", "solid", "well made", "cheaply made"],
  },
  {
    theme: "durability",
    triggers: ["durab", "broke", "fell apart", "stopped working", "lasted", "wore out"],
  },
  { theme: "screen", triggers: ["screen", "display", "pixel", "resolution"] },
  { theme: "sound quality", triggers: ["sound", "audio", "bass", "speaker", "volume"] },
  { theme: "noise", triggers: ["nois", "loud", "quiet", "silent"] },
  {
    theme: "size",
    triggers: ["size", "small", "large", "big ", "bigger", "tiny", "huge", "compact", "bulky"],
  },
  { theme: "fit", triggers: ["fit ", "fits ", "fitting", "fitted"] },
  { theme: "comfort", triggers: ["comfort", "uncomfort", "cushion", "ergonom"] },
  { theme: "weight", triggers: ["weigh", "heavy", "heavi", "lightweight"] },
  {
    theme: "ease of use",
    triggers: ["easy to use", "easy to operate", "intuitiv", "user friendly", "simple to use"],
  },
  { theme: "setup", triggers: ["set up", "setup", "install"] },
  { theme: "instructions", triggers: ["instruct", "manual", "guide"] },
  { theme: "assembly", triggers: ["assembl"] },
  { theme: "design", triggers: ["design", "sleek", "stylish", "aesthetic", "looks "] },
  { theme: "color", triggers: ["color", "colour"] },
  { theme: "material", triggers: ["materia", "fabric", "plastic", "leather", "cotton", "metal "] },
  { theme: "taste", triggers: ["tast", "flavo", "delicious", "bland"] },
  { theme: "smell", triggers: ["smell", "scent", "odor", "odour", "fragranc"] },
  { theme: "freshness", triggers: ["fresh", "stale", "expir"] },
  { theme: "ingredients", triggers: ["ingredi", "organic", "sugar", "gluten"] },
  { theme: "portion size", triggers: ["portion", "serving"] },
  { theme: "performance", triggers: ["perform", "fast ", "faster", "speed", "slow", "lag "] },
  { theme: "software", triggers: ["softwar", "app ", "apps ", "firmware", "updat", "bug "] },
  { theme: "connectivity", triggers: ["bluetooth", "wifi", "wi fi", "connect", "pairing"] },
  { theme: "camera", triggers: ["camera", "photo", "picture"] },
  { theme: "reliability", triggers: ["reliab", "unreliab", "crash", "consistent"] },
  { theme: "accuracy", triggers: ["accura", "inaccura", "precis"] },
  { theme: "cleaning", triggers: ["clean", "wash", "dishwasher"] },
  { theme: "warranty", triggers: ["warrant", "guarant"] },
  { theme: "safety", triggers: ["safe", "hazard", "danger"] },
  { theme: "temperature", triggers: ["overheat", "heat", "hot ", "warm", "cold "] },
  { theme: "storage", triggers: ["storag", "memory", "gb "] },
  { theme: "water resistance", triggers: ["waterproof", "water resist", "splash"] },
  { theme: "kids", triggers: ["kid", "child", "toddler"] },
  { theme: "pets", triggers: ["dog", "puppy", "cat ", "cats ", "pet ", "pets "] },
  { theme: "gift", triggers: ["gift"] },
  { theme: "expectations", triggers: ["expect", "as described", "as advertised", "disappoint"] },
];

/** Default and bounds for the number of themes per text. */
export const DEFAULT_MAX_THEMES = 5;
export const MAX_THEMES_LIMIT = 20;

/**
 * Lower-case, strip accents, and turn every non-alphanumeric run into one space, with a
 * space on both ends so that `" " + trigger` finds word starts and a trailing space in a
 * trigger finds word ends.
 */
function normalise(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  return ` ${folded.replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}

/**
 * The themes of a review, as the model stand-in sees them. Pure and deterministic.
 *
 * @example
 * themesFor("Great battery, but shipping was slow and the price is high.")
 * // => ["battery life", "shipping", "performance", "price"]
 * themesFor("Lovely!") // => []
 */
export function themesFor(text: string, maxThemes: number = DEFAULT_MAX_THEMES): string[] {
  const limit = Math.min(
    MAX_THEMES_LIMIT,
    Math.max(0, Math.floor(Number.isFinite(maxThemes) ? maxThemes : 0)),
  );
  if (limit === 0) return [];
  const haystack = normalise(text);
  const found: { theme: string; position: number; rank: number }[] = [];
  THEME_LEXICON.forEach((entry, rank) => {
    let position = -1;
    for (const trigger of entry.triggers) {
      const at = haystack.indexOf(` ${trigger}`);
      if (at !== -1 && (position === -1 || at < position)) position = at;
    }
    if (position !== -1) found.push({ theme: entry.theme, position, rank });
  });
  found.sort((a, b) => a.position - b.position || a.rank - b.rank);
  return found.slice(0, limit).map((f) => f.theme);
}
