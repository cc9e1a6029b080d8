import { describe, expect, it } from "vitest";
import { compileJob } from "./compile.ts";
import type { JobSpec, JobSpecInput } from "./spec.ts";
import { validateJob } from "./validate.ts";

/** CSV trades read from a folder (or a topic) and copied to a print sink. */
function files(connector: object = {}, extra: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    name: "files",
    kafka: { bootstrapServers: "k:9092" },
    tables: [
      {
        name: "trades",
        columns: [
          { kind: "physical", name: "date", type: { kind: "TIMESTAMP", precision: 3 } },
          { kind: "physical", name: "amount", type: { kind: "DECIMAL", precision: 12, scale: 2 } },
        ],
        watermark: { column: "date", delay: { value: 5, unit: "SECOND" } },
        connector: { kind: "filesystem", path: "file:///in", format: { kind: "csv" }, ...connector },
      },
      {
        name: "out",
        columns: [{ kind: "physical", name: "amount", type: { kind: "DECIMAL", precision: 12, scale: 2 } }],
        connector: { kind: "print" },
      },
    ],
    inserts: [
      {
        into: "out",
        query: {
          kind: "select",
          from: { kind: "table", name: "trades" },
          select: [{ expr: { kind: "column", name: "amount" } }],
        },
      },
    ],
    ...extra,
  };
}

const sqlOf = (s: JobSpecInput) => compileJob(s as JobSpec).statements.map((st) => st.sql);

describe("dead letters of CSV sources: files and Kafka, through sluice-csv", () => {
  it("a file source: sluice-csv, the line number and file path, dead letters on sluice.<job>.<table>.dlq", () => {
    const [raw, sink, view, , set] = sqlOf(files());
    expect(raw).toBe(
      [
        "CREATE TEMPORARY TABLE `trades__raw` (",
        "  `date` TIMESTAMP(3),",
        "  `amount` DECIMAL(12, 2),",
        "  `__sluice_error` STRING,",
        "  `__sluice_error_column` STRING,",
        "  `__sluice_raw` BYTES,",
        "  `__sluice_line` BIGINT,",
        "  `__sluice_file` STRING METADATA FROM 'file.path' VIRTUAL,",
        "  `__sluice_rowtime` AS COALESCE(`date`, TIMESTAMP '1970-01-01 00:00:00'),",
        "  WATERMARK FOR `__sluice_rowtime` AS `__sluice_rowtime` - INTERVAL '5' SECOND",
        ") WITH (",
        "  'connector' = 'filesystem',",
        "  'path' = 'file:///in',",
        "  'format' = 'sluice-csv'",
        ")",
      ].join("\n"),
    );
    expect(sink).toContain("`file` STRING,\n  `line` BIGINT,\n  `raw` BYTES");
    expect(sink).toContain("'topic' = 'sluice.files.trades.dlq'");
    expect(sink).toContain("'properties.bootstrap.servers' = 'k:9092'");
    // Exactly once like the file sink: the job checkpoints exactly-once by default.
    expect(sink).toContain("'sink.delivery-guarantee' = 'exactly-once'");
    expect(view).toBe(
      "CREATE TEMPORARY VIEW `trades` AS SELECT `__sluice_rowtime` AS `date`, `amount` FROM `trades__raw` WHERE `__sluice_error` IS NULL AND `date` IS NOT NULL",
    );
    expect(set).toContain(
      "CAST(`__sluice_file` AS STRING), CAST(`__sluice_line` AS BIGINT), `__sluice_raw`, 'files' FROM `trades__raw`",
    );
  });

  it("a file's own path column, a topic of its own, options carried over, ignoreParseErrors dropped", () => {
    const spec = files({
      deadLetterTopic: "bad.trades",
      format: { kind: "csv", fieldDelimiter: ";", ignoreParseErrors: true },
    });
    const trades = spec.tables?.[0];
    trades?.columns?.push({
      kind: "metadata",
      name: "path",
      type: { kind: "STRING" },
      key: "file.path",
      virtual: true,
    });
    const [raw, sink] = sqlOf(spec);
    expect(raw).toContain("'sluice-csv.field-delimiter' = ';'");
    expect(raw).not.toContain("ignore-parse-errors");
    expect(raw).not.toContain("__sluice_file");
    expect(sink).toContain("'topic' = 'bad.trades'");
    expect(sqlOf(spec).at(-1)).toContain("CAST(`path` AS STRING)");
  });

  it("a job that does not checkpoint writes its file dead letters at least once", () => {
    const sink = sqlOf(files({}, { checkpoints: false }))[1];
    expect(sink).not.toContain("exactly-once");
  });

  it("a Kafka CSV source: sluice-csv with the topic, partition and offset", () => {
    const spec = files();
    const trades = spec.tables?.[0];
    if (trades !== undefined) trades.connector = { kind: "kafka", topic: "trades", format: { kind: "csv" } };
    const [raw, sink] = sqlOf(spec);
    expect(raw).toContain("'format' = 'sluice-csv'");
    expect(raw).toContain("`__sluice_offset` BIGINT METADATA FROM 'offset' VIRTUAL");
    expect(raw).not.toContain("__sluice_line");
    expect(sink).toContain("'topic' = 'trades.dlq'");
  });

  it("skip: a blackhole; fail: the table as declared, strict CSV", () => {
    expect(sqlOf(files({ errorPolicy: "skip" }))[1]).toContain("'connector' = 'blackhole'");
    const [table] = sqlOf(files({ errorPolicy: "fail" }));
    expect(table).toContain("CREATE TEMPORARY TABLE `trades` (");
    expect(table).toContain("'format' = 'csv'");
    expect(table).not.toContain("__sluice");
  });

  it("a file source's dead letters need Kafka: a problem without bootstrap servers, unless skip or fail", () => {
    const noKafka = (connector: object) => {
      const { kafka: _, ...spec } = files(connector);
      return validateJob(spec);
    };
    const result = noKafka({});
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        expect.objectContaining({
          path: ["tables", 0, "connector", "deadLetterTopic"],
          code: "MISSING_BOOTSTRAP_SERVERS",
        }),
      ]);
    expect(noKafka({ errorPolicy: "skip" }).ok).toBe(true);
    expect(noKafka({ errorPolicy: "fail" }).ok).toBe(true);
  });

  it("a file sink is not split and needs no Kafka", () => {
    const { kafka: _, ...spec } = files();
    const sink = {
      name: "sink",
      columns: spec.tables?.[1]?.columns ?? [],
      connector: { kind: "filesystem", path: "file:///out", format: { kind: "csv" } },
    };
    const result = validateJob({
      ...spec,
      tables: [
        ...(spec.tables ?? []).map((t) =>
          t.name === "trades" ? { ...t, connector: { ...t.connector, errorPolicy: "skip" } } : t,
        ),
        sink,
      ],
      inserts: [...(spec.inserts ?? []), { into: "sink", query: spec.inserts?.[0]?.query }],
    });
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(sqlOf(result.spec).some((q) => q.includes("`sink__raw`"))).toBe(false);
  });
});
