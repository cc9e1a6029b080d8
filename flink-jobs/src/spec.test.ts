import {
  clicksWithProducts,
  reviewThemes,
  sensorAnomalies,
  sensorZscore,
  transactionsHourly,
} from "@sluice/flink-jobs/jobs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileJob } from "./compile.ts";
import { jobSpecSchema } from "./spec.ts";
import { validateJob } from "./validate.ts";

describe("the job spec schema", () => {
  it("converts to JSON Schema (for the API's OpenAPI document), input and output", () => {
    for (const io of ["input", "output"] as const) {
      const schema = z.toJSONSchema(jobSpecSchema, { io }) as {
        type?: string;
        properties?: Record<string, unknown>;
      };
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
        "config",
      ]);
    }
  });

  it.each(
    [sensorAnomalies(), sensorZscore(), reviewThemes(), transactionsHourly(), clicksWithProducts()].map(
      (s) => [s.name, s] as const,
    ),
  )("%s survives JSON: stringify, validate, compile to the same SQL", (_name, spec) => {
    const result = validateJob(JSON.parse(JSON.stringify(spec)));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(compileJob(result.spec)).toEqual(compileJob(spec));
  });
});
