import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { murmur3OfInts, murmur3x64128, toHex } from "./murmur3.ts";
import { executionPlanJson, parseStreamGraph } from "./stream-graph.ts";

// Flink 2.2's shaded Guava, Hashing.murmur3_128(0): putInt(0); putInt(7..11); putString("abc-def_1", UTF-8).
describe("murmur3x64128", () => {
  it.each([
    [[0], "bc764cd8ddf7a0cff126f51c16239658"],
    [[7, 8, 9, 10, 11], "0c392ce376384892c6215653bfb61b96"],
  ])("putInt %j", (ints, hex) => {
    expect(toHex(murmur3OfInts(ints))).toBe(hex);
  });

  it("hashes more than one 16-byte block", () => {
    expect(toHex(murmur3x64128(new TextEncoder().encode("abc-def_1")))).toBe(
      "040107296a089a7c9e9e87e9b1ebb5b6",
    );
  });
});

const fixture = JSON.parse(
  readFileSync(new URL("./__fixtures__/clicks-with-products.json", import.meta.url), "utf8"),
) as { plan: unknown; vertexIds: string[] };
const explainText = `== Optimized Execution Plan ==\nSink(...)\n\n== Physical Execution Plan ==\n${JSON.stringify(fixture.plan, null, 2)}\n`;

describe("parseStreamGraph", () => {
  it("computes the job vertex ids Flink gave the running job", () => {
    const graph = parseStreamGraph(explainText);
    expect(
      graph
        .filter((n) => n.chainHead)
        .map((n) => n.operatorId)
        .sort(),
    ).toEqual(fixture.vertexIds);
  });

  it("reads descriptions without the planner's node numbers", () => {
    const descriptions = parseStreamGraph(explainText).map((n) => n.description);
    expect(descriptions).toContain("enriched_clicks: Writer");
    expect(descriptions.some((d) => d.startsWith("TemporalJoin(joinType=[InnerJoin]"))).toBe(true);
  });

  it("finds the JSON plan in an EXPLAIN answer, or none", () => {
    expect(executionPlanJson(explainText)).toEqual(fixture.plan);
    expect(executionPlanJson("== Optimized Execution Plan ==\nSink(table=[t])")).toBeUndefined();
    expect(() => parseStreamGraph("no plan")).toThrow();
  });
});
