import { compileJob, validateJob } from "@sluice/flink-jobs";
import { flagshipJobs } from "@sluice/flink-jobs/jobs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/**
 * Robustness: validateJob never throws, whatever it is given, and whatever it
 * accepts compiles. Inputs are the flagship specs with random subtrees replaced
 * by random JSON or by other subtrees of the same spec (which keeps them close
 * to valid, so the semantic checks are exercised, not only the schema).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const flagships = flagshipJobs().map((s) => JSON.parse(JSON.stringify(s)) as Json);

/** Every path to a value in a JSON tree. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function get(value: Json, path: (string | number)[]): Json {
  let current: Json = value;
  for (const key of path) current = (current as Record<string | number, Json>)[key] as Json;
  return current;
}

function set(value: Json, path: (string | number)[], replacement: Json): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value);
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path.at(-1) as string | number] = replacement;
  return copy;
}

const mutated = fc
  .tuple(
    fc.nat(flagships.length - 1),
    fc.array(
      fc.tuple(fc.nat(), fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), fc.jsonValue({ maxDepth: 2 })),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
  )
  .map(([which, mutations]) => {
    let spec = flagships[which] as Json;
    for (const [target, source, crossover, random] of mutations) {
      const all = paths(spec);
      const at = all[target % all.length] as (string | number)[];
      // Mostly crossover (a subtree of the same spec elsewhere): near-valid specs reach the semantic checks.
      const donor =
        crossover < 0.8 ? get(spec, all[source % all.length] as (string | number)[]) : (random as Json);
      spec = set(spec, at, structuredClone(donor));
    }
    return spec;
  });

describe("validateJob never throws; what it accepts compiles", () => {
  it("on mutated flagship specs", () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated, (spec) => {
        const result = validateJob(spec);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const p of result.problems) {
            expect(Array.isArray(p.path)).toBe(true);
            expect(p.code).toMatch(/^[A-Z][A-Z_]+$/);
            expect(p.message.length).toBeGreaterThan(0);
          }
          return;
        }
        accepted++;
        const job = compileJob(result.spec);
        expect(job.statements.at(-1)?.kind).toBe("statement-set");
      }),
      { numRuns: 1000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it("on arbitrary values", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(validateJob(value).ok).toBe(false);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("on deeply nested expressions", () => {
    let expr: Json = { kind: "column", name: "temperature" };
    for (let i = 0; i < 2000; i++) expr = { kind: "not", operand: expr };
    const spec = structuredClone(flagships[0]) as { inserts: { query: { where: Json } }[] };
    (spec.inserts[0] as { query: { where: Json } }).query.where = expr;
    const result = validateJob(spec);
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(["TOO_DEEP"]);
  });
});
