/**
 * Flink itself accepts what the compiler emits: every node kind (acceptance
 * specs) and every flagship job is compiled and EXPLAINed through the real SQL
 * Gateway (DDL replayed in a fresh session, the statement set planned, nothing
 * run). A rejection names the construct Flink refused.
 *
 * Run: npx vitest run --project integration flink-jobs/test/sql-acceptance.int.test.ts
 */
import { compileJob, type JobSpec } from "@sluice/flink-jobs";
import { flagshipJobs } from "@sluice/flink-jobs/jobs";
import { passthroughSpec } from "@sluice/flink-jobs/testing";
import { stackFlinkClient, stopJob, withFunctionsJar } from "@sluice/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { acceptanceQueries, acceptanceSpec } from "./acceptance-specs.ts";

const flink = stackFlinkClient();

afterAll(async () => {
  await flink.close();
});

describe("Flink 2.2 accepts every construct the compiler emits", () => {
  it.each(acceptanceQueries)("%s", async (name, query, sink) => {
    const job = compileJob(acceptanceSpec(name, query, sink) as JobSpec);
    const plan = await flink.gateway.explain(job.statements.map((s) => s.sql));
    expect(plan).toContain("== Optimized Execution Plan ==");
  });
});

describe("Flink 2.2 accepts the flagship jobs", () => {
  const jobs = flagshipJobs();
  it.each(jobs.map((spec) => [spec.name, spec] as const))("%s", async (_name, spec) => {
    const job = compileJob(spec);
    const plan = await flink.gateway.explain(withFunctionsJar(job));
    for (const insert of spec.inserts) expect(plan).toContain(insert.into);
  });
});

describe("the compiled statement set runs", () => {
  it("a single INSERT inside EXECUTE STATEMENT SET is one Flink job that runs to the end", async () => {
    const spec = passthroughSpec({
      name: "acceptance-run",
      columns: { id: { kind: "BIGINT" } },
      source: {
        kind: "datagen",
        numberOfRows: 20,
        properties: { "fields.id.kind": "sequence", "fields.id.start": 1, "fields.id.end": 20 },
      },
    });
    const job = compileJob(spec as JobSpec);
    expect(job.statements.at(-1)?.sql).toBe(
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `sink` SELECT `id` FROM `numbers`;\nEND",
    );
    const { jobId } = await flink.gateway.executeStatementSet(
      job.statements.map((s) => s.sql),
      { sets: { "pipeline.name": `sluice-acceptance-${Date.now()}` } },
    );
    try {
      const finished = await flink.rest.waitForJobState(jobId, ["FINISHED"], { timeoutMs: 120_000 });
      expect(finished.state).toBe("FINISHED");
    } finally {
      await stopJob(flink, jobId);
    }
  });
});

describe("a rejected statement fails the dry run", () => {
  it("reports Flink's error for SQL the compiler would never emit", async () => {
    const statements = [
      "CREATE TEMPORARY TABLE `ok` (`a` INT) WITH ('connector' = 'blackhole')",
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `ok` SELECT `nope` FROM `missing_table`;\nEND",
    ];
    await expect(flink.gateway.explain(statements)).rejects.toMatchObject({ code: "SQL_ERROR" });
  });
});
