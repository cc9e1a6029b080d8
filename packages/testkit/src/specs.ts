import type { JobSpecInput } from "@sluice/flink-jobs";

type Column = { name: string; type: { kind: "BIGINT" | "INT" } };

export interface DatagenJobOptions {
  name: string;
  description?: string;
  /** Rows per second of the datagen source. Default 5. */
  rowsPerSecond?: number;
  /** The columns of source and sink. Default `id BIGINT, bucket INT`. */
  columns?: Column[];
  /** More `WITH` options of the datagen source (e.g. `fields.bucket.max`). */
  datagenProperties?: Record<string, string | { secret: string }>;
}

/**
 * The smallest real pipeline: datagen -> blackhole, every column copied. It needs no Kafka, so
 * tests of the lifecycle (submit, stop, upgrade) use it against the real Flink.
 *
 * @example
 *   const spec = datagenToBlackhole({ name: uniqueName("cli"), rowsPerSecond: 10 });
 *   // INSERT INTO `sink` SELECT `id`, `bucket` FROM `numbers`
 */
export function datagenToBlackhole(options: DatagenJobOptions): JobSpecInput {
  const columns = (options.columns ?? DEFAULT_COLUMNS).map((c) => ({ kind: "physical" as const, ...c }));
  return {
    name: options.name,
    ...(options.description === undefined ? {} : { description: options.description }),
    tables: [
      {
        name: "numbers",
        columns,
        connector: {
          kind: "datagen",
          rowsPerSecond: options.rowsPerSecond ?? 5,
          ...(options.datagenProperties === undefined ? {} : { properties: options.datagenProperties }),
        },
      },
      { name: "sink", columns, connector: { kind: "blackhole" } },
    ],
    inserts: [
      {
        into: "sink",
        query: {
          kind: "select",
          from: { kind: "table", name: "numbers" },
          select: columns.map((c) => ({ expr: { kind: "column", name: c.name } })),
        },
      },
    ],
  };
}

const DEFAULT_COLUMNS: Column[] = [
  { name: "id", type: { kind: "BIGINT" } },
  { name: "bucket", type: { kind: "INT" } },
];
