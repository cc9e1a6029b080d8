/**
 * Prints the compiled SQL of the flagship jobs (secrets redacted).
 * Usage: node flink-jobs/scripts/print-sql.ts [job-name]
 */
import { compileJob, redactSecrets } from "@sluice/flink-jobs";
import { flagshipJobs } from "@sluice/flink-jobs/jobs";

const jobs = flagshipJobs();
const only = process.argv[2];
for (const spec of jobs) {
  if (only !== undefined && spec.name !== only) continue;
  const job = compileJob(spec);
  console.log(`-- ===== ${job.name} =====`);
  for (const statement of job.statements)
    console.log(`-- ${statement.kind}\n${redactSecrets(statement.sql)};\n`);
  if (job.enrichmentTasks.length > 0)
    console.log(`-- enrichment tasks: ${JSON.stringify(job.enrichmentTasks)}\n`);
}
