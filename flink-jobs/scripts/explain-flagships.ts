/**
 * Asks the real Flink (SQL Gateway) to EXPLAIN each flagship job without running it.
 * Usage: node flink-jobs/scripts/explain-flagships.ts [job-name]
 */
import { FlinkClient, isFlinkClientError } from "@sluice/flink-client";
import { compileJob } from "@sluice/flink-jobs";
import { flagshipJobs } from "@sluice/flink-jobs/jobs";

const flink = new FlinkClient();
const only = process.argv[2];
let failed = 0;
for (const spec of flagshipJobs()) {
  if (only !== undefined && spec.name !== only) continue;
  const job = compileJob(spec);
  try {
    const plan = await flink.gateway.explain(job.statements.map((s) => s.sql));
    console.log(`OK   ${job.name} (plan: ${plan.length} chars)`);
  } catch (error) {
    failed++;
    console.log(
      `FAIL ${job.name}: ${isFlinkClientError(error) ? `${error.message}\n${error.flinkMessage}` : String(error)}`,
    );
  }
}
await flink.close();
process.exitCode = failed === 0 ? 0 : 1;
