import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_THEMES_LIMIT, THEME_LEXICON, themesFor } from "./themes.ts";

describe("themesFor", () => {
  it("returns themes in order of first appearance", () => {
    expect(themesFor("Great battery, but shipping was slow and the price is high.")).toEqual([
      "battery life",
      "shipping",
      "performance",
      "price",
    ]);
    expect(themesFor("The price was fair; the BATTERY lasts.")).toEqual(["price", "battery life"]);
  });

  it("matches word starts, whole words and phrases, ignoring case and accents", () => {
    expect(themesFor("Batteries died")).toEqual(["battery life"]);
    expect(themesFor("a rebattery")).toEqual([]); // not at a word start
    expect(themesFor("It does not fit.")).toEqual(["fit"]);
    expect(themesFor("fitness tracker")).toEqual([]); // "fit " is whole-word only
    expect(themesFor("Customer-service was rude")).toEqual(["customer service"]);
    expect(themesFor("Le goût: DÉLICIOUS")).toEqual(["taste"]);
  });

  it("gives an empty array (no fallback theme) when nothing matches", () => {
    expect(themesFor("Lovely!")).toEqual([]);
    expect(themesFor("")).toEqual([]);
  });

  it("bounds the count by maxThemes, clamped to 0..20", () => {
    const everything = THEME_LEXICON.map((e) => e.triggers[0]).join(" ");
    expect(themesFor(everything)).toHaveLength(5);
    expect(themesFor(everything, 2)).toEqual(["battery life", "charging"]);
    expect(themesFor(everything, 100)).toHaveLength(MAX_THEMES_LIMIT);
    expect(themesFor(everything, 0)).toEqual([]);
    expect(themesFor(everything, Number.NaN)).toEqual([]);
  });

  it("is deterministic, lower-case, duplicate-free and bounded for any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (text, max) => {
        const themes = themesFor(text, max);
        expect(themesFor(text, max)).toEqual(themes);
        expect(themes.length).toBeLessThanOrEqual(max);
        expect(new Set(themes).size).toBe(themes.length);
        for (const theme of themes) expect(theme).toBe(theme.toLowerCase());
      }),
    );
  });

  it("has lexicon themes that are unique and lower-case", () => {
    const names = THEME_LEXICON.map((e) => e.theme);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(40);
    for (const name of names) expect(name).toBe(name.toLowerCase());
  });
});
