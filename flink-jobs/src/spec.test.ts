import { flagshipJobs } from "@sluice/flink-jobs/jobs";
import { describe, expect, it } from "vitest";
import { compileJob } from "./compile.ts";
import { jobSpecJsonSchema } from "./spec.ts";
import { validateJob } from "./validate.ts";

describe("the job spec schema", () => {
  it("converts to JSON Schema (for the API's OpenAPI document), input and output", () => {
    for (const io of ["input", "output"] as const) {
      const schema = jobSpecJsonSchema(io) as { type?: string; properties?: Record<string, unknown> };
      expect(schema.type).toBe("object");
      expect(Object.keys(schema.properties ?? {})).toEqual([
        "name",
        "description",
        "version",
        "kafka",
        "tables",
        "views",
        "inserts",
        "enrichments",
        "models",
        "checkpoints",
        "parallelism",
        "flow",
        "config",
      ]);
    }
  });

  it("JSON Schema is self-contained: every $ref points at one of its own $defs", () => {
    const schema = jobSpecJsonSchema("input");
    const defs = Object.keys((schema.$defs ?? {}) as Record<string, unknown>);
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(defs.map((d) => `#/$defs/${d}`)).toContain(ref);
  });

  it.each(flagshipJobs().map((s) => [s.name, s] as const))(
    "%s survives JSON: stringify, validate, compile to the same SQL",
    (_name, spec) => {
      const result = validateJob(JSON.parse(JSON.stringify(spec)));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(compileJob(result.spec)).toEqual(compileJob(spec));
    },
  );
});
