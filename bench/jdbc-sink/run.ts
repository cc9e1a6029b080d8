/**
 * Throughput of the JDBC upsert sink into the stack's PostgreSQL, against a baseline in the
 * same run: the same rows upserted by Node's `pg` client with multi-row
 * `INSERT ... ON CONFLICT DO UPDATE` statements of the same batch size (what the connector's
 * PostgreSQL dialect does per batch, without Flink). Prints rows/s of both and their ratio.
 *
 *   node bench/jdbc-sink/run.ts [rows=50000] [batch=500]
 *
 * Flink's time is measured from the job's start (RUNNING) to FINISHED (bounded datagen source),
 * so submission is not counted; rows are counted in the table afterwards.
 */

import { compileJob, datagen, defineJob, from, insertInto, jdbc, t, table } from "@sluice/flink-jobs";
import { pgQuery, stackFlinkClient, stackPostgres, uniqueName, withStackSecrets } from "@sluice/testkit";

const rows = Number(process.argv[2] ?? 50_000);
const batch = Number(process.argv[3] ?? 500);

async function freshTable(): Promise<string> {
  const name = uniqueName("bench_upsert").toLowerCase();
  await pgQuery(
    `CREATE TABLE "${name}" (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(12, 2) NOT NULL)`,
  );
  return name;
}

async function flinkRun(target: string): Promise<number> {
  const source = table(
    "gen",
    { id: t.bigint(), name: t.string(), amount: t.decimal(12, 2) },
    {
      connector: datagen({
        numberOfRows: rows,
        rowsPerSecond: 10_000_000,
        properties: {
          "fields.id.kind": "sequence",
          "fields.id.start": 1,
          "fields.id.end": rows,
          "fields.name.length": 12,
        },
      }),
    },
  );
  const sink = table(
    "sink",
    { id: t.bigint(), name: t.string(), amount: t.decimal(12, 2) },
    {
      primaryKey: ["id"],
      connector: jdbc({
        url: stackPostgres().jdbcUrl,
        tableName: target,
        username: stackPostgres().user,
        password: { secret: "POSTGRES_PASSWORD" },
        sinkBuffer: { maxRows: batch, interval: "1 s" },
      }),
    },
  );
  const spec = defineJob({
    name: "bench-jdbc-sink",
    tables: [source, sink],
    inserts: [
      insertInto(
        sink,
        from(source).select((r) => ({ id: r.id, name: r.name, amount: r.amount })),
      ),
    ],
    config: { "parallelism.default": 1 },
  });
  const flink = stackFlinkClient();
  try {
    const sql = withStackSecrets(compileJob(spec)).statements.map((s) => s.sql);
    const { jobId } = await flink.gateway.executeStatementSet(sql, {
      sets: { "pipeline.name": uniqueName("bench-jdbc-sink") },
      timeoutMs: 180_000,
    });
    await flink.rest.waitForJobState(jobId, ["FINISHED", "FAILED", "CANCELED"], { timeoutMs: 600_000 });
    const job = await flink.rest.getJob(jobId);
    if (job.state !== "FINISHED") throw new Error(`bench job ended ${job.state}`);
    return (job.duration ?? 0) / 1000;
  } finally {
    await flink.close();
  }
}

async function baselineRun(target: string): Promise<number> {
  const began = performance.now();
  for (let start = 1; start <= rows; start += batch) {
    const ids = Array.from({ length: Math.min(batch, rows - start + 1) }, (_, i) => start + i);
    const values = ids.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(", ");
    const params = ids.flatMap((id) => [id, `name-${id}`, ((id % 10_000) / 100).toFixed(2)]);
    await pgQuery(
      `INSERT INTO "${target}" (id, name, amount) VALUES ${values}
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount`,
      params,
    );
  }
  return (performance.now() - began) / 1000;
}

const [flinkTable, baseTable] = [await freshTable(), await freshTable()];
try {
  const flinkSeconds = await flinkRun(flinkTable);
  const baseSeconds = await baselineRun(baseTable);
  const count = async (name: string) => Number((await pgQuery(`SELECT count(*) AS n FROM "${name}"`))[0]?.n);
  const [flinkRows, baseRows] = [await count(flinkTable), await count(baseTable)];
  const rate = (n: number, s: number) => Math.round(n / s);
  console.log(`rows ${rows}, batch ${batch} (sink.buffer-flush.max-rows; interval 1 s; parallelism 1)`);
  console.log(
    `flink jdbc upsert sink: ${flinkRows} rows in ${flinkSeconds.toFixed(1)} s = ${rate(flinkRows, flinkSeconds)} rows/s (job run time)`,
  );
  console.log(
    `baseline pg client:     ${baseRows} rows in ${baseSeconds.toFixed(1)} s = ${rate(baseRows, baseSeconds)} rows/s`,
  );
  console.log(
    `ratio flink/baseline: ${(rate(flinkRows, flinkSeconds) / rate(baseRows, baseSeconds)).toFixed(2)}`,
  );
} finally {
  await pgQuery(`DROP TABLE IF EXISTS "${flinkTable}"`);
  await pgQuery(`DROP TABLE IF EXISTS "${baseTable}"`);
}
