/**
 * Which table an operator-scoped Flink metric belongs to. Flink SQL names a source operator
 * `Source: <table>[<n>]` and a sink writer `<table>[<n>]: Writer` (legacy sinks `Sink: <table>[<n>]`);
 * in metric ids `: ` becomes `__`, so `Source__readings[1].numRecordsOut` is read from `readings`
 * and `alerts[3]__Writer.numRecordsIn` is written to `alerts`. Chained operators share a vertex,
 * so per-table counts come from these operator metrics, not from the vertex's.
 *
 * Dead-letter contract (issue 10 item 3): a source `<name>` with an error policy is the physical
 * table `<name>__raw` plus a view `<name>`, and its dead letters go to the sink
 * `<name>__dead_letters`. Both suffixes map back to `<name>`.
 */

import { FILE_WRITER, FILE_WRITER_RECORDS, vertexOperators } from "./file-sinks.ts";

export { attributeFileWriters, fileSinkTables, vertexOperators } from "./file-sinks.ts";

export const RAW_SUFFIX = "__raw";
export const DEAD_LETTER_SUFFIX = "__dead_letters";

export type OperatorRole = "source" | "sink" | "dead-letters";

export interface OperatorMetric {
  role: OperatorRole;
  /** The spec's table name (suffixes stripped). */
  table: string;
  /** The metric's name within the operator, e.g. `numRecordsOut`, `KafkaSourceReader.KafkaConsumer.bytes-consumed-total`. */
  metric: string;
}

const SOURCE = /^Source__(.+?)\[\d+\]\.(.+)$/;
const WRITER = /^(.+?)\[\d+\]__Writer\.(.+)$/;
const LEGACY_SINK = /^Sink__(.+?)\[\d+\]\.(.+)$/;

/** Operator metrics a flow read asks for, per kind of operator. */
const SOURCE_METRICS = [
  "numRecordsOut",
  "numBytesIn",
  "numRecordsInErrors",
  "pendingRecords",
  "currentOutputWatermark",
  "KafkaSourceReader.KafkaConsumer.bytes-consumed-total",
];
/** Vertex-level metrics a flow read asks for. */
const VERTEX_METRICS = ["busyTimeMsPerSecond", "backPressuredTimeMsPerSecond"];
/** Flink truncates operator names in metric scopes to this many characters. */
const METRIC_OPERATOR_NAME_MAX = 80;

/**
 * The metric ids a flow read asks Flink for, from a vertex's name (its chained operators joined
 * by ` -> `, e.g. `Source: readings[1] -> Calc[2] -> alerts[3]: Writer`). Built from the names
 * rather than listed, so a read needs no listing call and never misses a metric an operator
 * registers late (Kafka's `pendingRecords`). Flink answers nothing when one id is unknown (a file
 * source has no `pendingRecords`); `flink/flow-metrics.ts` then asks for the ids the vertex lists.
 */
export function flowMetricIds(vertexName: string): string[] {
  const ids = [...VERTEX_METRICS];
  for (const operator of vertexOperators(vertexName)) {
    const scope = metricScope(operator);
    if (operator.startsWith("Source: ")) ids.push(...SOURCE_METRICS.map((m) => `${scope}.${m}`));
    else if (/\[\d+\]: Writer$/.test(operator) || operator.startsWith("Sink: "))
      ids.push(`${scope}.numRecordsIn`);
    else if (operator === FILE_WRITER && !ids.includes(FILE_WRITER_RECORDS)) ids.push(FILE_WRITER_RECORDS);
  }
  return ids;
}

/** An operator's name as metric ids show it: at most 80 characters, `:`, ` ` and `.` as `_`. */
function metricScope(operator: string): string {
  return operator.trim().slice(0, METRIC_OPERATOR_NAME_MAX).replace(/[:. ]/g, "_");
}

/** The table and role of an operator metric id, or `undefined` for vertex-level and other operators' metrics. */
export function operatorMetric(id: string): OperatorMetric | undefined {
  const source = SOURCE.exec(id);
  if (source) {
    const [, name = "", metric = ""] = source;
    return { role: "source", table: stripSuffix(name, RAW_SUFFIX), metric };
  }
  const sink = WRITER.exec(id) ?? LEGACY_SINK.exec(id);
  if (!sink) return undefined;
  const [, name = "", metric = ""] = sink;
  return name.endsWith(DEAD_LETTER_SUFFIX)
    ? { role: "dead-letters", table: stripSuffix(name, DEAD_LETTER_SUFFIX), metric }
    : { role: "sink", table: name, metric };
}

function stripSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : name;
}
