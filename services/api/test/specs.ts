/**
 * Job specs for the API's tests: a datagen -> blackhole job (no Kafka needed), variants of
 * it, and an invalid one.
 */
export function datagenSpec(name: string, options: { rowsPerSecond?: number; secret?: string } = {}) {
  return {
    name,
    description: "datagen to blackhole",
    tables: [
      {
        name: "numbers",
        columns: [
          { kind: "physical", name: "id", type: { kind: "BIGINT" } },
          { kind: "physical", name: "bucket", type: { kind: "INT" } },
        ],
        connector: {
          kind: "datagen",
          rowsPerSecond: options.rowsPerSecond ?? 10,
          properties: {
            "fields.bucket.min": "0",
            "fields.bucket.max": "3",
            ...(options.secret ? { "fields.id.kind": { secret: options.secret } } : {}),
          },
        },
      },
      {
        name: "sink",
        columns: [
          { kind: "physical", name: "id", type: { kind: "BIGINT" } },
          { kind: "physical", name: "bucket", type: { kind: "INT" } },
        ],
        connector: { kind: "blackhole" },
      },
    ],
    inserts: [
      {
        into: "sink",
        query: {
          kind: "select",
          from: { kind: "table", name: "numbers" },
          select: [{ expr: { kind: "column", name: "id" } }, { expr: { kind: "column", name: "bucket" } }],
        },
      },
    ],
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
  return {
    name,
    tables: [
      {
        name: "readings",
        columns: [{ kind: "physical", name: "device_id", type: { kind: "STRING" } }],
        connector: {
          kind: "kafka",
          topic: options.topic ?? "sensor_data",
          bootstrapServers: "127.0.0.1:9092",
          startupMode: "earliest-offset",
          format: { kind: "json" },
        },
      },
      {
        name: "sink",
        columns: [{ kind: "physical", name: "device_id", type: { kind: "STRING" } }],
        connector: { kind: "blackhole" },
      },
    ],
    inserts: [
      {
        into: "sink",
        query: {
          kind: "select",
          from: { kind: "table", name: "readings" },
          select: [{ expr: { kind: "column", name: "device_id" } }],
        },
      },
    ],
  };
}
