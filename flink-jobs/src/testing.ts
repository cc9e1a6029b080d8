/**
 * `@sluice/flink-jobs/testing`: small job specs for tests of other packages
 * (API, CLI, benchmarks). Not exported from the production entry point.
 */

import type { ConnectorConfig } from "./connectors/index.ts";
import type { JobSpecInput } from "./spec.ts";
import type { SqlType } from "./sql-types.ts";

export interface PassthroughOptions {
  /** Job name (a slug). */
  name: string;
  /** Columns of the source and the sink, in order. */
  columns: Record<string, SqlType>;
  /** The source table's connector. */
  source: ConnectorConfig;
  /** The sink table's connector (default `blackhole`). */
  sink?: ConnectorConfig;
  /** Table names (default `numbers` and `sink`). */
  sourceName?: string;
  sinkName?: string;
  /** Extra spec fields (`kafka`, `config`, `description`, ...). */
  spec?: Partial<JobSpecInput>;
}

/**
 * A job that copies every column of one source table into one sink table.
 *
 * @example
 * passthroughSpec({ name: "numbers", columns: { id: { kind: "BIGINT" } }, source: { kind: "datagen" } })
 * // INSERT INTO `sink` SELECT `id` FROM `numbers`
 */
export function passthroughSpec(options: PassthroughOptions): JobSpecInput {
  const sourceName = options.sourceName ?? "numbers";
  const sinkName = options.sinkName ?? "sink";
  const columns = Object.entries(options.columns).map(([name, type]) => ({
    kind: "physical" as const,
    name,
    type,
  }));
  return {
    name: options.name,
    ...options.spec,
    tables: [
      { name: sourceName, columns, connector: options.source },
      { name: sinkName, columns, connector: options.sink ?? { kind: "blackhole" } },
    ],
    inserts: [
      {
        into: sinkName,
        query: {
          kind: "select",
          from: { kind: "table", name: sourceName },
          select: columns.map((c) => ({ expr: { kind: "column", name: c.name } })),
        },
      },
    ],
  };
}
