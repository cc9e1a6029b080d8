import { passthroughSpec } from "@sluice/flink-jobs/testing";
import { describe, expect, it } from "vitest";
import { compileJob } from "./compile.ts";
import type { JobSpec } from "./spec.ts";

describe("passthroughSpec", () => {
  it("copies every source column into the sink, in order", () => {
    const spec = passthroughSpec({
      name: "copy",
      columns: { id: { kind: "BIGINT" }, bucket: { kind: "INT" } },
      source: { kind: "datagen", rowsPerSecond: 5 },
    });
    const job = compileJob(spec as JobSpec);
    expect(job.statements.map((s) => s.kind)).toEqual(["create-table", "create-table", "statement-set"]);
    expect(job.statements.at(-1)?.sql).toBe(
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `sink` SELECT `id`, `bucket` FROM `numbers`;\nEND",
    );
    expect(job.statements[1]?.sql).toContain("'connector' = 'blackhole'");
  });
});
