import { describe, expect, it } from "vitest";
import { compileJob } from "./compile.ts";
import { formatPath } from "./problems.ts";
import { validateJob } from "./validate.ts";

/** A datagen -> blackhole job with `flow` set as given. */
const spec = (flow: unknown) => ({
  name: "flows",
  tables: [
    {
      name: "numbers",
      columns: [{ kind: "physical", name: "id", type: { kind: "BIGINT" } }],
      connector: { kind: "datagen" },
    },
    {
      name: "sink",
      columns: [{ kind: "physical", name: "id", type: { kind: "BIGINT" } }],
      connector: { kind: "blackhole" },
    },
  ],
  inserts: [
    {
      into: "sink",
      query: {
        kind: "select",
        from: { kind: "table", name: "numbers" },
        select: [{ expr: { kind: "column", name: "id" } }],
      },
    },
  ],
  ...(flow === undefined ? {} : { flow }),
});

/** The problems of the spec with `flow`, as sorted `path CODE` lines. */
const problems = (flow: unknown) => {
  const result = validateJob(spec(flow));
  return result.ok ? [] : result.problems.map((p) => `${formatPath(p.path)} ${p.code}`).sort();
};

describe("a job's flow thresholds (`flow`)", () => {
  it("accepts each threshold, all optional", () => {
    expect(problems(undefined)).toEqual([]);
    expect(problems({})).toEqual([]);
    expect(
      problems({
        noOutputMs: 1_000,
        maxLagRecords: 0,
        checkpointMaxAgeMs: 86_400_000,
        deadLetterWindowMs: 60_000,
      }),
    ).toEqual([]);
  });

  it("reports each bad value and unknown name with its path", () => {
    expect(
      problems({
        noOutputMs: 999,
        maxLagRecords: -1,
        checkpointMaxAgeMs: 86_400_001,
        deadLetterWindowMs: 1.5,
        quiet: 1,
      }),
    ).toEqual(
      [
        "flow UNRECOGNIZED_KEYS",
        "flow.noOutputMs TOO_SMALL",
        "flow.maxLagRecords TOO_SMALL",
        "flow.checkpointMaxAgeMs TOO_BIG",
        "flow.deadLetterWindowMs INVALID_TYPE",
      ].sort(),
    );
    expect(problems({ noOutputMs: "10 s" })).toEqual(["flow.noOutputMs INVALID_TYPE"]);
  });

  it("reaches no SQL: the compiled statements are the same with and without it", () => {
    const plain = compileJob(spec(undefined) as never).statements;
    expect(compileJob(spec({ noOutputMs: 5_000, maxLagRecords: 10 }) as never).statements).toEqual(plain);
  });
});
