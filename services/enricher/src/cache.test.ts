import { describe, expect, it } from "vitest";
import { ThemeCache } from "./cache.ts";

describe("ThemeCache", () => {
  it("evicts the least recently used entry, counting reads as use", () => {
    const cache = new ThemeCache(2);
    cache.set("a", ["price"]);
    cache.set("b", ["battery"]);
    expect(cache.get("a")).toEqual(["price"]); // "b" is now the least recently used
    cache.set("c", ["delivery"]);
    expect(cache.has("b")).toBe(false);
    expect(cache.get("a")).toEqual(["price"]);
    expect(cache.get("c")).toEqual(["delivery"]);
    expect(cache.size).toBe(2);
  });

  it("replaces an entry in place and ignores non-results", () => {
    const cache = new ThemeCache(2);
    cache.set("a", ["old"]);
    cache.set("a", ["new"]);
    cache.set("b", null);
    expect(cache.size).toBe(1);
    expect(cache.get("a")).toEqual(["new"]);
  });

  it("needs room for one entry", () => {
    expect(() => new ThemeCache(0)).toThrow(RangeError);
  });
});
