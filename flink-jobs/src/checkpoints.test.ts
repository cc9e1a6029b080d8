import { describe, expect, it } from "vitest";
import { defaultCheckpointSettings } from "./checkpoints.ts";
import { compileJob } from "./compile.ts";
import { type JobSpecInput, jobSpecSchema } from "./spec.ts";
import { passthroughSpec } from "./testing.ts";
import { validateJob } from "./validate.ts";

const job = (spec: Partial<JobSpecInput>) =>
  passthroughSpec({
    name: "counts",
    columns: { id: { kind: "BIGINT" } },
    source: { kind: "datagen", rowsPerSecond: 10 },
    spec,
  });

const sets = (spec: Partial<JobSpecInput>) =>
  compileJob(jobSpecSchema.parse(job(spec)))
    .statements.filter((s) => s.kind === "set")
    .map((s) => s.sql);

describe("checkpoints and parallelism: golden SQL", () => {
  it.each<[string, Partial<JobSpecInput>, string[]]>([
    ["nothing said: no SET (the API submits the 10 s default)", {}, []],
    ["checkpoints: false: no SET", { checkpoints: false }, []],
    [
      "an interval and a mode",
      { checkpoints: { interval: "30 s", mode: "AT_LEAST_ONCE" } },
      [
        "SET 'execution.checkpointing.interval' = '30 s'",
        "SET 'execution.checkpointing.mode' = 'AT_LEAST_ONCE'",
      ],
    ],
    [
      "a mode only",
      { checkpoints: { mode: "EXACTLY_ONCE" } },
      ["SET 'execution.checkpointing.mode' = 'EXACTLY_ONCE'"],
    ],
    [
      "parallelism before the job's own config",
      { parallelism: 2, config: { "table.exec.state.ttl": "1 h" } },
      ["SET 'parallelism.default' = '2'", "SET 'table.exec.state.ttl' = '1 h'"],
    ],
  ])("%s", (_, spec, expected) => {
    expect(sets(spec)).toEqual(expected);
  });
});

describe("checkpoints and parallelism: validation problems with paths", () => {
  it.each<[string, Partial<JobSpecInput>, { path: (string | number)[]; code: string }[]]>([
    [
      "an interval that is not a duration",
      { checkpoints: { interval: "soon" } },
      [{ path: ["checkpoints"], code: "INVALID_UNION" }],
    ],
    [
      "an interval under 100 ms",
      { checkpoints: { interval: "10 ms" } },
      [{ path: ["checkpoints", "interval"], code: "CUSTOM" }],
    ],
    [
      "checkpoints: true",
      { checkpoints: true as unknown as false },
      [{ path: ["checkpoints"], code: "INVALID_UNION" }],
    ],
    ["parallelism 0", { parallelism: 0 }, [{ path: ["parallelism"], code: "TOO_SMALL" }]],
    [
      "parallelism also in config",
      { parallelism: 2, config: { "parallelism.default": 2 } },
      [{ path: ["config", "parallelism.default"], code: "CONFIG_CONFLICT" }],
    ],
    [
      "an interval in config and in checkpoints",
      { checkpoints: { interval: "5 s" }, config: { "execution.checkpointing.interval": "5 s" } },
      [{ path: ["config", "execution.checkpointing.interval"], code: "CONFIG_CONFLICT" }],
    ],
    [
      "an interval in config of a job that opted out",
      { checkpoints: false, config: { "execution.checkpointing.interval": "5 s" } },
      [{ path: ["config", "execution.checkpointing.interval"], code: "CONFIG_CONFLICT" }],
    ],
  ])("%s", (_, spec, expected) => {
    const result = validateJob(job(spec));
    expect(result.ok ? [] : result.problems.map((p) => ({ path: p.path, code: p.code }))).toEqual(expected);
  });

  it("accepts an interval in config alone (the older way)", () => {
    expect(validateJob(job({ config: { "execution.checkpointing.interval": "5 s" } })).ok).toBe(true);
  });
});

describe("defaultCheckpointSettings", () => {
  it("checkpoints every 10 s, retained on cancellation, unless the job opted out", () => {
    expect(defaultCheckpointSettings({})).toEqual({
      "execution.checkpointing.interval": "10 s",
      "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    });
    expect(defaultCheckpointSettings({ checkpoints: { mode: "AT_LEAST_ONCE" } })).toHaveProperty(
      "execution.checkpointing.interval",
      "10 s",
    );
    expect(defaultCheckpointSettings({ checkpoints: false })).toEqual({});
  });
});
