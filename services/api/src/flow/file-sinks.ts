import type { RawFlowMetrics } from "../flink/port.ts";

/**
 * Records written by a filesystem sink. Flink 2.2 names its writer `StreamingFileWriter` (and a
 * separate `end: Writer` vertex that counts commit messages, not records), without the table, and
 * no naming option changes that (the connector hard-codes the name; EXPLAIN's descriptions show
 * `StreamingFileWriter` too). So the count goes to the job's filesystem sink table when the job
 * writes to exactly one: the spec says which tables are filesystem sinks. With two or more, the
 * writers' counts cannot be told apart (two writers chained in one vertex even share one metric
 * id), so none is attributed and the sinks stay without a count.
 */

/** The filesystem sink's writer: Flink names it without its table. */
export const FILE_WRITER = "StreamingFileWriter";
export const FILE_WRITER_RECORDS = `${FILE_WRITER}.numRecordsIn`;

/**
 * The operators of a vertex name. A chain that forks is parenthesised, its branches separated by
 * `, `: `Source: gen[1] -> (ConstraintEnforcer[2] -> Sink: pg[2], Calc[3] -> StreamingFileWriter)`.
 * Simplified operator names (Flink's default) hold no `, `, `(` or `)`.
 */
export function vertexOperators(vertexName: string): string[] {
  return vertexName
    .split(/ -> |, |[()]/)
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
}

interface SpecShape {
  tables?: Array<{ name?: unknown; connector?: { kind?: unknown } }>;
  inserts?: Array<{ into?: unknown }>;
}

/** The tables of a job spec that are filesystem sinks (written by an INSERT). */
export function fileSinkTables(spec: unknown): string[] {
  const { tables = [], inserts = [] } = (spec ?? {}) as SpecShape;
  const written = new Set(inserts.map((i) => i.into));
  return tables
    .filter((t) => t.connector?.kind === "filesystem" && written.has(t.name))
    .map((t) => String(t.name));
}

/**
 * `raw` with the filesystem writers' record counts under the id a sink of `table` has
 * (`Sink__<table>[0].numRecordsIn`), when the job has exactly one filesystem sink table.
 */
export function attributeFileWriters(raw: RawFlowMetrics, fileSinks: readonly string[]): RawFlowMetrics {
  const [table] = fileSinks;
  if (fileSinks.length !== 1 || table === undefined) return raw;
  return {
    ...raw,
    vertices: raw.vertices.map((vertex) => {
      const value = vertex.metrics[FILE_WRITER_RECORDS];
      const writers = vertexOperators(vertex.name).filter((o) => o === FILE_WRITER).length;
      if (!value || writers !== 1) return vertex;
      const { [FILE_WRITER_RECORDS]: _, ...others } = vertex.metrics;
      return { ...vertex, metrics: { ...others, [`Sink__${table}[0].numRecordsIn`]: value } };
    }),
  };
}
