/** EXPLAINs every acceptance spec on the real Flink. Usage: node flink-jobs/scripts/explain-acceptance.ts [filter] */
import { FlinkClient, isFlinkClientError } from "@sluice/flink-client";
import { compileJob, type JobSpec } from "@sluice/flink-jobs";
import { acceptanceQueries, acceptanceSpec } from "../test/acceptance-specs.ts";

const flink = new FlinkClient();
const filter = process.argv[2];
for (const [name, query, sink] of acceptanceQueries) {
  if (filter !== undefined && !name.includes(filter)) continue;
  try {
    const job = compileJob(acceptanceSpec(name, query, sink) as JobSpec);
    await flink.gateway.explain(job.statements.map((s) => s.sql));
    console.log(`OK   ${name}`);
  } catch (error) {
    const detail = isFlinkClientError(error) ? `${error.message}\n     ${error.flinkMessage}` : String(error);
    console.log(`FAIL ${name}: ${detail}`);
  }
}
await flink.close();
