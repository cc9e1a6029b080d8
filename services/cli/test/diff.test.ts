import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "../src/diff.ts";

describe("diffLines", () => {
  it("keeps common lines and marks the rest", () => {
    expect(diffLines(["a", "b", "c"], ["a", "x", "c"])).toEqual([
      { op: " ", text: "a" },
      { op: "-", text: "b" },
      { op: "+", text: "x" },
      { op: " ", text: "c" },
    ]);
    expect(diffLines([], ["a"])).toEqual([{ op: "+", text: "a" }]);
    expect(diffLines(["a"], [])).toEqual([{ op: "-", text: "a" }]);
  });

  it("finds a longest common subsequence", () => {
    const ops = diffLines(["a", "b", "c", "d", "e"], ["b", "c", "x", "e", "f"]);
    expect(ops.filter((l) => l.op === " ").map((l) => l.text)).toEqual(["b", "c", "e"]);
  });

  it("replays to both inputs (property)", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const ops = diffLines(before, after);
        expect(ops.filter((l) => l.op !== "+").map((l) => l.text)).toEqual(before);
        expect(ops.filter((l) => l.op !== "-").map((l) => l.text)).toEqual(after);
      }),
    );
  });
});

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n")).toBe("");
  });

  it("renders hunks with headers and line ranges like diff -u", () => {
    const before = ["SET 'parallelism.default' = '1';", "", "CREATE TABLE `a` (", "  `id` BIGINT", ");"].join(
      "\n",
    );
    const after = ["SET 'parallelism.default' = '2';", "", "CREATE TABLE `a` (", "  `id` BIGINT", ");"].join(
      "\n",
    );
    expect(
      unifiedDiff(before, after, { beforeLabel: "orders (deployed v1)", afterLabel: "orders (local)" }),
    ).toBe(
      [
        "--- orders (deployed v1)",
        "+++ orders (local)",
        "@@ -1,4 +1,4 @@",
        "-SET 'parallelism.default' = '1';",
        "+SET 'parallelism.default' = '2';",
        " ",
        " CREATE TABLE `a` (",
        "   `id` BIGINT",
        "",
      ].join("\n"),
    );
  });

  it("splits distant changes into separate hunks and numbers them from 1", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[1] = "changed 2";
    after.splice(17, 1);
    const diff = unifiedDiff(before.join("\n"), after.join("\n"), { context: 1 });
    expect(diff.split("\n").filter((l) => l.startsWith("@@"))).toEqual([
      "@@ -1,3 +1,3 @@",
      "@@ -17,3 +17,2 @@",
    ]);
    expect(diff).toContain("-line 18\n");
  });

  it("writes an empty side as <line>,0", () => {
    expect(unifiedDiff("", "a\n")).toBe("--- before\n+++ after\n@@ -0,0 +1 @@\n+a\n");
  });
});
