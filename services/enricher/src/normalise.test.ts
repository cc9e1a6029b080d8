import type { EnrichmentTask } from "@sluice/flink-jobs";
import { describe, expect, it } from "vitest";
import { themesTask } from "../test/fixtures.ts";
import { cacheKey, normaliseText, normaliseThemes } from "./normalise.ts";

describe("normaliseThemes", () => {
  const bounds = { maxThemes: 3, maxThemeLength: 12 };

  it("lower-cases, trims, collapses whitespace and removes duplicates and empties", () => {
    expect(normaliseThemes(["  Battery\n Life ", "battery life", "", "   ", "PRICE"], bounds)).toEqual([
      "battery life",
      "price",
    ]);
  });

  it("bounds the count and the length of each theme", () => {
    expect(normaliseThemes(["a", "b", "c", "d"], bounds)).toEqual(["a", "b", "c"]);
    expect(normaliseThemes(["an extremely long theme name"], bounds)).toEqual(["an extremely"]);
  });

  it("drops values that are not strings", () => {
    expect(normaliseThemes([1, null, { x: 1 }, "ok"], bounds)).toEqual(["ok"]);
  });

  it("counts characters, not UTF-16 units, when cutting", () => {
    expect(normaliseThemes(["😀😀😀😀😀😀😀😀😀😀😀😀😀"], { maxThemes: 1, maxThemeLength: 2 })).toEqual([
      "😀😀",
    ]);
  });
});

describe("cacheKey", () => {
  it("ignores whitespace differences in the text", () => {
    expect(normaliseText("  Great \n\t battery ")).toBe("Great battery");
    expect(cacheKey("Great  battery", themesTask, "m")).toBe(cacheKey(" Great battery\n", themesTask, "m"));
  });

  it("differs by text, model and task parameters", () => {
    const base = cacheKey("Great battery", themesTask, "m");
    expect(cacheKey("Great battery!", themesTask, "m")).not.toBe(base);
    expect(cacheKey("Great battery", themesTask, "other-model")).not.toBe(base);
    const fewer = { ...themesTask, task: { ...themesTask.task, maxThemes: 2 } } as EnrichmentTask;
    expect(cacheKey("Great battery", fewer, "m")).not.toBe(base);
  });

  it("does not depend on the task's identity or topics", () => {
    const other = { ...themesTask, id: "x.y", inputTopic: "elsewhere" };
    expect(cacheKey("Great battery", other, "m")).toBe(cacheKey("Great battery", themesTask, "m"));
  });
});
