import { hasErrorPolicy } from "./connectors/error-policy.ts";
import type { FilesystemConnectorConfig } from "./connectors/filesystem.ts";
import type { KafkaConnectorConfig } from "./connectors/kafka.ts";
import type { SpecProblem } from "./problems.ts";
import type { JobSpec, TableSpec } from "./spec.ts";

/** A column of the raw table that says where a record came from, and its field in a dead letter. */
export interface PositionColumn {
  /** The dead letter's field (`offset`, `file`, ...). */
  field: string;
  type: "STRING" | "INT" | "BIGINT";
  /** The raw table's column holding it: the table's own metadata column, else `__sluice_<field>`. */
  column: string;
  /** The table declares it itself (a metadata column with this key): not added again. */
  declared: boolean;
  /** Filled by the connector's metadata; undefined: a physical column the format fills (`__sluice_line`). */
  metadataKey?: string | undefined;
}

/** What a source with an error policy other than `fail` needs to compile its dead letters. */
export interface DeadLetterSource {
  format: "json" | "csv";
  policy: "dead-letter" | "skip";
  /** The dead-letter topic (on `bootstrapServers`, else `spec.kafka.bootstrapServers`). */
  topic: string;
  bootstrapServers: string | undefined;
  exactlyOnce: boolean;
  position: PositionColumn[];
  required: string[] | undefined;
  /**
   * Whether Flink generates the watermark inside the source (Kafka: watermark push-down, which
   * passes over a NULL time). Otherwise a separate operator does, and it fails the job on a NULL
   * time ("RowTime field should not be null"), so a dead letter's NULL time must not reach it.
   */
  watermarkInSource: boolean;
}

type Described = Pick<
  DeadLetterSource,
  "topic" | "bootstrapServers" | "exactlyOnce" | "position" | "watermarkInSource"
>;

/** Flink allows one column per metadata key: reuse the table's own, else add `__sluice_<field>`. */
function metadata(
  table: TableSpec,
  field: string,
  key: string,
  type: PositionColumn["type"],
): PositionColumn {
  const own = table.columns.find((c) => c.kind === "metadata" && (c.key ?? c.name) === key);
  return {
    field,
    type,
    column: own?.name ?? `__sluice_${field}`,
    declared: own !== undefined,
    metadataKey: key,
  };
}

/**
 * The default dead-letter topic of a file source: named after the job and the table (a file has
 * no topic to suffix), e.g. `sluice.trade-files.trades.dlq`.
 */
export function defaultFileDeadLetterTopic(jobName: string, tableName: string): string {
  return `sluice.${jobName}.${tableName}.dlq`;
}

/** Whether the job checkpoints exactly-once (the default), so a file sink commits exactly once. */
function checkpointsExactlyOnce(spec: JobSpec): boolean {
  if (spec.checkpoints === false) return false;
  const mode = spec.checkpoints?.mode ?? spec.config["execution.checkpointing.mode"] ?? "EXACTLY_ONCE";
  return mode === "EXACTLY_ONCE";
}

/** Kafka: the record's topic, partition and offset; dead letters as the job's Kafka sinks deliver. */
function kafkaSource(spec: JobSpec, table: TableSpec, config: KafkaConnectorConfig): Described {
  return {
    topic: config.deadLetterTopic ?? `${config.topic}.dlq`,
    bootstrapServers: config.bootstrapServers,
    exactlyOnce: spec.tables.some(
      (t) => t.connector.kind === "kafka" && t.connector.deliveryGuarantee === "exactly-once",
    ),
    position: [
      metadata(table, "topic", "topic", "STRING"),
      metadata(table, "partition", "partition", "INT"),
      metadata(table, "offset", "offset", "BIGINT"),
    ],
    watermarkInSource: true,
  };
}

/**
 * Files: the file's path (connector metadata `file.path`) and the line's number (counted by the
 * format; Flink exposes no line or byte offset). Dead letters are exactly-once like the file sink
 * (committed on checkpoint), unless the job does not checkpoint exactly-once.
 */
function fileSource(spec: JobSpec, table: TableSpec, config: FilesystemConnectorConfig): Described {
  return {
    topic: config.deadLetterTopic ?? defaultFileDeadLetterTopic(spec.name, table.name),
    bootstrapServers: undefined,
    exactlyOnce: checkpointsExactlyOnce(spec),
    position: [
      metadata(table, "file", "file.path", "STRING"),
      { field: "line", type: "BIGINT", column: "__sluice_line", declared: false },
    ],
    watermarkInSource: false,
  };
}

/** The error-policy facts of a Kafka or filesystem table with a JSON or CSV format, unless `fail`. */
export function deadLetterSource(spec: JobSpec, table: TableSpec): DeadLetterSource | undefined {
  const config = table.connector;
  if (config.kind !== "kafka" && config.kind !== "filesystem") return undefined;
  if (!hasErrorPolicy(config.format)) return undefined;
  const policy = config.errorPolicy ?? "dead-letter";
  if (policy === "fail") return undefined;
  const described =
    config.kind === "kafka" ? kafkaSource(spec, table, config) : fileSource(spec, table, config);
  return { format: config.format.kind, policy, required: config.required, ...described };
}

/** A dead-letter topic needs Kafka: a file source's dead letters use `spec.kafka.bootstrapServers`. */
export function deadLetterProblems(spec: JobSpec, applies: (table: TableSpec) => boolean): SpecProblem[] {
  return spec.tables.flatMap((table, i) => {
    const source = deadLetterSource(spec, table);
    if (source?.policy !== "dead-letter" || !applies(table)) return [];
    if ((source.bootstrapServers ?? spec.kafka?.bootstrapServers) !== undefined) return [];
    return [
      {
        path: ["tables", i, "connector", "deadLetterTopic"],
        code: "MISSING_BOOTSTRAP_SERVERS" as const,
        message: `the dead letters of \`${table.name}\` go to the Kafka topic '${source.topic}': set \`kafka.bootstrapServers\` for the job, or errorPolicy 'skip' (counted) or 'fail'`,
      },
    ];
  });
}
