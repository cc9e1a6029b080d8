/**
 * Job specs for the API's tests: a datagen -> blackhole job (no Kafka needed), variants of
 * it, and an invalid one.
 */

const column = (name: string, kind: string) => ({ kind: "physical", name, type: { kind } });

/** `INSERT INTO <into> SELECT <columns> FROM <from>` */
function copy(from: string, into: string, columns: string[]) {
  return {
    into,
    query: {
      kind: "select",
      from: { kind: "table", name: from },
      select: columns.map((name) => ({ expr: { kind: "column", name } })),
    },
  };
}

export function datagenSpec(name: string, options: { rowsPerSecond?: number; secret?: string } = {}) {
  // A fresh list per table: tests may change one table.
  const columns = () => [column("id", "BIGINT"), column("bucket", "INT")];
  const properties = {
    "fields.bucket.min": "0",
    "fields.bucket.max": "3",
    ...(options.secret ? { "fields.id.kind": { secret: options.secret } } : {}),
  };
  return {
    name,
    description: "datagen to blackhole",
    tables: [
      {
        name: "numbers",
        columns: columns(),
        connector: { kind: "datagen", rowsPerSecond: options.rowsPerSecond ?? 10, properties },
      },
      { name: "sink", columns: columns(), connector: { kind: "blackhole" } },
    ],
    inserts: [copy("numbers", "sink", ["id", "bucket"])],
  };
}

/** Two problems: an unknown column type, and an unknown field in the second table. */
export function invalidSpec(name: string) {
  const spec = datagenSpec(name);
  (spec.tables[0]?.columns[0] as { type: unknown }).type = { kind: "NOPE" };
  (spec.tables[1] as Record<string, unknown>).colums = [];
  return spec;
}

/** A Kafka source (default consumer group id) into a blackhole sink. */
export function kafkaSourceSpec(name: string, options: { topic?: string } = {}) {
  const columns = [column("device_id", "STRING")];
  const connector = {
    kind: "kafka",
    topic: options.topic ?? "sensor_data",
    bootstrapServers: "127.0.0.1:9092",
    startupMode: "earliest-offset",
    format: { kind: "json" },
  };
  return {
    name,
    tables: [
      { name: "readings", columns, connector },
      { name: "sink", columns, connector: { kind: "blackhole" } },
    ],
    inserts: [copy("readings", "sink", ["device_id"])],
  };
}
