import {
  abs,
  and,
  avg,
  caseWhen,
  compileJob,
  count,
  deduplicate,
  defineJob,
  desc,
  type Ex,
  eq,
  from,
  gt,
  hop,
  hours,
  insertInto,
  kafka,
  lit,
  lower,
  metadata,
  minutes,
  print,
  proctime,
  SpecValidationError,
  seconds,
  sql,
  sum,
  t,
  table,
  topN,
  tumble,
  view,
} from "@sluice/flink-jobs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { anomalies, sensorData } from "./types/schema.ts";

const statementSet = (spec: Parameters<typeof compileJob>[0]) => compileJob(spec).statements.at(-1)?.sql;

describe("builders infer row types from declared columns", () => {
  it("gives typed columns", () => {
    const row = sensorData.row();
    expectTypeOf(row.device_id).toEqualTypeOf<Ex<"string", unknown>>();
    expectTypeOf(row.temperature).toEqualTypeOf<Ex<"number", unknown>>();
    expectTypeOf(row.timestamp).toEqualTypeOf<Ex<"timestamp", unknown>>();
    expectTypeOf(row.tags).toEqualTypeOf<Ex<"array", "string">>();
    expectTypeOf(row).not.toHaveProperty("humidity");
  });

  it("infers a query's output row", () => {
    const q = from(sensorData).select((r) => ({ id: r.device_id, hot: gt(r.temperature, 100), n: count() }));
    expectTypeOf(q.out).toExtend<{ id: Ex<"string">; hot: Ex<"boolean">; n: Ex<"number"> } | undefined>();
    expectTypeOf(q.out).not.toExtend<{ id: Ex<"number"> } | undefined>();
  });

  it("adds window columns to windowed tables and element types to UNNEST", () => {
    const windowed = tumble(sensorData, "timestamp", hours(1)).row();
    expectTypeOf(windowed.window_start).toEqualTypeOf<Ex<"timestamp">>();
    from(sensorData)
      .crossJoinUnnest((r) => r.tags, "t", "tag")
      .select((r) => {
        expectTypeOf(r.tag).toEqualTypeOf<Ex<"string">>();
        return { tag: lower(r.tag) };
      });
  });

  it("keys joined rows by table name or alias", () => {
    from(sensorData).join(
      anomalies,
      (r) => {
        expectTypeOf(r.sensor_data.device_id).toEqualTypeOf<Ex<"string", unknown>>();
        expectTypeOf(r.a.anomaly).toEqualTypeOf<Ex<"boolean", unknown>>();
        return eq(r.sensor_data.device_id, r.a.device_id);
      },
      { as: "a" },
    );
  });
});

describe("builders produce specs the compiler turns into the expected SQL", () => {
  it("filter and projection", () => {
    const job = defineJob({
      name: "b1",
      kafka: { bootstrapServers: "kafka:9092" },
      tables: [sensorData, anomalies],
      inserts: [
        insertInto(
          anomalies,
          from(sensorData)
            .where((r) => and(gt(r.temperature, 100), eq(r.device_id, "it's")))
            .select((r) => ({ device_id: r.device_id, temperature: r.temperature, anomaly: lit(true) })),
        ),
      ],
    });
    expect(Object.isFrozen(job.tables)).toBe(true);
    expect(statementSet(job)).toBe(
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `sensor_anomalies` (`device_id`, `temperature`, `anomaly`) SELECT `device_id`, `temperature`, TRUE AS `anomaly` FROM `sensor_data` WHERE (`temperature` > 100) AND (`device_id` = 'it''s');\nEND",
    );
  });

  it("windows, OVER, top-N, dedup, raw SQL, computed and metadata columns", () => {
    const events = table(
      "events",
      {
        user_id: t.string(),
        amount: t.double(),
        ts: t.timestamp(3),
        proc: proctime(),
        kafka_ts: metadata(t.timestampLtz(3), "timestamp", { virtual: true }),
      },
      {
        connector: kafka({ topic: "events", format: "json", errorPolicy: "fail" }),
        watermark: { column: "ts", delay: seconds(1) },
      },
    );
    const stats = table(
      "stats",
      { user_id: t.string(), amount: t.double(), n: t.bigint() },
      { connector: print() },
    );
    const firsts = table(
      "firsts",
      { user_id: t.string(), amount: t.double(), proc: t.timestampLtz(3) },
      { connector: print() },
    );
    const amounts = view(
      "amounts",
      from(events).select((r) => ({ user_id: r.user_id, amount: r.amount })),
    );
    const rolling = view(
      "rolling",
      from(events).select((r) => ({
        user_id: r.user_id,
        ts: r.ts,
        amount: r.amount,
        avg_amount: avg(r.amount).over({ partitionBy: [r.user_id], orderBy: r.ts, range: minutes(10) }),
      })),
    );
    const job = defineJob({
      name: "b2",
      kafka: { bootstrapServers: "kafka:9092" },
      tables: [events, stats, firsts],
      views: [amounts, rolling],
      inserts: [
        insertInto(
          stats,
          from(hop(events, "ts", minutes(5), hours(1)))
            .groupBy((r) => [r.window_start, r.window_end, r.user_id])
            .select((r) => ({ user_id: r.user_id, amount: sum(r.amount), n: count() })),
        ),
        insertInto(
          stats,
          topN(from(amounts), {
            partitionBy: (r) => [r.user_id],
            orderBy: (r) => [desc(r.amount)],
            limit: 3,
            rankAs: "n",
          }),
        ),
        insertInto(
          firsts,
          deduplicate(
            from(
              from(events)
                .where((r) => gt(r.amount, 0))
                .select((r) => ({ user_id: r.user_id, amount: r.amount, proc: r.proc }))
                .as("positive"),
            ),
            { key: (r) => [r.user_id], orderBy: (r) => r.proc, keep: "first" },
          ),
        ),
      ],
    });
    expect(compileJob(job).statements.at(-1)?.sql.split(";\n")).toEqual([
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `stats` (`user_id`, `amount`, `n`) SELECT `user_id`, SUM(`amount`) AS `amount`, COUNT(*) AS `n` FROM TABLE(HOP(TABLE `events`, DESCRIPTOR(`ts`), INTERVAL '5' MINUTE, INTERVAL '1' HOUR)) GROUP BY `window_start`, `window_end`, `user_id`",
      "INSERT INTO `stats` (`user_id`, `amount`, `n`) SELECT `user_id`, `amount`, `n` FROM (SELECT `user_id`, `amount`, ROW_NUMBER() OVER (PARTITION BY `user_id` ORDER BY `amount` DESC) AS `n` FROM `amounts`) WHERE `n` <= 3",
      "INSERT INTO `firsts` (`user_id`, `amount`, `proc`) SELECT `user_id`, `amount`, `proc` FROM (SELECT `user_id`, `amount`, `proc`, ROW_NUMBER() OVER (PARTITION BY `user_id` ORDER BY `proc`) AS `sluice_rank` FROM (SELECT `user_id`, `amount`, `proc` FROM `events` WHERE `amount` > 0) AS `positive`) WHERE `sluice_rank` = 1",
      "END",
    ]);
    expect(
      compileJob(job).statements.find((s) => s.sql.startsWith("CREATE TEMPORARY VIEW `rolling`"))?.sql,
    ).toBe(
      "CREATE TEMPORARY VIEW `rolling` AS SELECT `user_id`, `ts`, `amount`, AVG(`amount`) OVER (PARTITION BY `user_id` ORDER BY `ts` RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW) AS `avg_amount` FROM `events`",
    );

    // Aggregating without grouping the other columns type-checks but fails validation, with paths.
    const notGrouped = defineJob({
      ...job,
      inserts: [
        insertInto(
          stats,
          from(rolling).select((r) => ({
            user_id: r.user_id,
            amount: caseWhen([[gt(abs(r.avg_amount), 0), r.amount]], 0),
            n: count(),
          })),
        ),
      ],
    });
    const result = (() => {
      try {
        compileJob(notGrouped);
        return [];
      } catch (error) {
        return (error as SpecValidationError).problems.map((p) => `${p.code} ${p.path.join(".")}`);
      }
    })();
    expect(result).toEqual([
      "NOT_GROUPED inserts.0.query.select.0.expr",
      "NOT_GROUPED inserts.0.query.select.1.expr.whens.0.when.left.args.0",
      "NOT_GROUPED inserts.0.query.select.1.expr.whens.0.result",
    ]);
  });

  it("raw sql interpolates declared tables and columns only", () => {
    const q = sql`SELECT ${sensorData.row().device_id}, MAX(temperature) AS temperature, TRUE AS anomaly FROM ${sensorData} GROUP BY device_id`;
    expect(q.toQuery()).toEqual({
      kind: "raw",
      parts: [
        "SELECT ",
        { kind: "columnRef", name: "device_id", table: undefined },
        ", MAX(temperature) AS temperature, TRUE AS anomaly FROM ",
        { kind: "tableRef", name: "sensor_data" },
        " GROUP BY device_id",
      ],
    });
    const job = defineJob({
      name: "b3",
      kafka: { bootstrapServers: "kafka:9092" },
      tables: [sensorData, anomalies],
      inserts: [{ into: "sensor_anomalies", query: q.toQuery() }],
    });
    // The builder form takes the raw query too (its shape is checked by Flink, not TypeScript).
    const viaBuilder = defineJob({
      name: "b3",
      kafka: { bootstrapServers: "kafka:9092" },
      tables: [sensorData, anomalies],
      inserts: [insertInto(anomalies, q)],
    });
    expect(statementSet(viaBuilder)).toEqual(statementSet(job));
    expect(statementSet(job)).toContain(
      "INSERT INTO `sensor_anomalies` SELECT `device_id`, MAX(temperature) AS temperature, TRUE AS anomaly FROM `sensor_data` GROUP BY device_id;",
    );
  });

  it("defineJob reports schema problems as SpecValidationError", () => {
    expect(() => defineJob({ name: "Bad Name", tables: [] })).toThrow(SpecValidationError);
  });
});
