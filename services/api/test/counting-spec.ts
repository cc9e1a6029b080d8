/**
 * A stateful counting job for integration tests: datagen rows (bucket 0..3) -> GROUP BY bucket
 * COUNT(*) -> an upsert-kafka topic. Counts that continue after a stop/start show that the
 * state came back from the savepoint; counts starting again at 1 would show it did not.
 */
export function countingSpec(
  name: string,
  topic: string,
  brokers: string,
  options: { rowsPerSecond?: number; filter?: boolean } = {},
) {
  const select = {
    kind: "select",
    from: { kind: "table", name: "numbers" },
    select: [
      { expr: { kind: "column", name: "bucket" } },
      { expr: { kind: "aggregate", fn: "COUNT" }, as: "cnt" },
    ],
    groupBy: [{ kind: "column", name: "bucket" }],
    // A filter adds an operator: the new plan no longer maps the old state.
    ...(options.filter
      ? {
          where: {
            kind: "compare",
            op: ">=",
            left: { kind: "column", name: "bucket" },
            right: { kind: "literal", value: 0 },
          },
        }
      : {}),
  };
  return {
    name,
    description: "counts rows per bucket",
    kafka: { bootstrapServers: brokers },
    tables: [
      {
        name: "numbers",
        columns: [{ kind: "physical", name: "bucket", type: { kind: "INT" } }],
        connector: {
          kind: "datagen",
          rowsPerSecond: options.rowsPerSecond ?? 20,
          properties: { "fields.bucket.min": "0", "fields.bucket.max": "3" },
        },
      },
      {
        name: "counts",
        columns: [
          { kind: "physical", name: "bucket", type: { kind: "INT", nullable: false } },
          { kind: "physical", name: "cnt", type: { kind: "BIGINT" } },
        ],
        primaryKey: ["bucket"],
        connector: {
          kind: "upsert-kafka",
          topic,
          keyFormat: { kind: "json" },
          valueFormat: { kind: "json" },
        },
      },
    ],
    inserts: [{ into: "counts", query: select }],
  };
}
