import { z } from "zod";
import { checkpointsSchema, parallelismSchema } from "./checkpoints.ts";
import { propertiesSchema } from "./connectors/connector.ts";
import { type ConnectorKind, connectorConfigSchema } from "./connectors/index.ts";
import { bootstrapServersSchema, startupModeSchema } from "./connectors/kafka.ts";
import { exprSchema, intervalSchema } from "./expressions.ts";
import { flowThresholdsSchema } from "./flow-thresholds.ts";
import {
  enrichmentNameSchema,
  identifierSchema,
  jobNameSchema,
  literalTextSchema,
  topicSchema,
} from "./identifiers.ts";
import { modelSchema } from "./models.ts";
import { querySchema } from "./query.ts";
import { sqlTypeSchema } from "./sql-types.ts";

/**
 * A column of a table: a physical field of the record, a computed column (an
 * expression over other columns, e.g. `PROCTIME()`), or connector metadata
 * (e.g. Kafka's record `timestamp`; `virtual` ones are read-only).
 */
/**
 * How a producer writes an event time in JSON: epoch milliseconds or seconds (a JSON
 * number), ISO-8601 text in UTC (`2023-11-14T22:13:20[.000]Z`; an offset such as `+02:00`
 * is not supported yet), or Flink's SQL text (`2023-11-14 22:13:20[.fff]`).
 */
export const TIME_FORMATS = ["epoch-millis", "epoch-seconds", "iso-8601", "sql"] as const;
export const timeFormatSchema = z.enum(TIME_FORMATS);
export type TimeFormat = z.infer<typeof timeFormatSchema>;

export const columnSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("physical"), name: identifierSchema, type: sqlTypeSchema }),
  z.strictObject({ kind: z.literal("computed"), name: identifierSchema, expression: exprSchema }),
  z.strictObject({
    kind: z.literal("metadata"),
    name: identifierSchema,
    type: sqlTypeSchema,
    /** The connector's metadata key (`timestamp`, `partition`, `offset`, `headers`...); defaults to the name. */
    key: literalTextSchema
      .regex(/^[a-z][a-z0-9.-]*$/, "a metadata key is lower-case, e.g. `timestamp`")
      .optional(),
    virtual: z.boolean().optional(),
  }),
  /**
   * A typed time: the record's `field` in `format` (a physical BIGINT or STRING column
   * under the field's name) and `name`, a computed timestamp over it (see `compile.ts`).
   */
  z.strictObject({
    kind: z.literal("time"),
    name: identifierSchema,
    field: identifierSchema,
    format: timeFormatSchema,
  }),
]);
export type ColumnSpec = z.infer<typeof columnSchema>;
export type ColumnKind = ColumnSpec["kind"];

/** `WATERMARK FOR <column> AS <column> - INTERVAL '<delay>'`: event time with bounded lateness. */
export const watermarkSchema = z.strictObject({ column: identifierSchema, delay: intervalSchema });

export const tableSchema = z.strictObject({
  name: identifierSchema,
  description: z.string().max(2000).optional(),
  columns: z.array(columnSchema).min(1, "a table needs at least one column"),
  /** Rendered `PRIMARY KEY (...) NOT ENFORCED` (Flink does not check uniqueness). */
  primaryKey: z.array(identifierSchema).min(1).optional(),
  watermark: watermarkSchema.optional(),
  connector: connectorConfigSchema,
});
export type TableSpec = z.infer<typeof tableSchema>;

export const viewSchema = z.strictObject({
  name: identifierSchema,
  description: z.string().max(2000).optional(),
  query: querySchema,
});
export type ViewSpec = z.infer<typeof viewSchema>;

export const insertSchema = z.strictObject({
  /** The sink table. */
  into: identifierSchema,
  /** Target columns; defaults to all writable columns of the sink in declared order. */
  columns: z.array(identifierSchema).min(1).optional(),
  query: querySchema,
});
export type InsertSpec = z.infer<typeof insertSchema>;

const enrichmentTaskSpecSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("themes"),
    outputField: identifierSchema.optional(),
    maxThemes: z.int().min(1).max(20).optional(),
    maxThemeLength: z.int().min(1).max(100).optional(),
  }),
  z.strictObject({
    kind: z.literal("custom"),
    outputField: identifierSchema,
    prompt: z.string().min(1).max(4000),
    /** JSON Schema of one record's result; the enricher enforces it. */
    outputSchema: z.record(z.string(), z.unknown()),
    /** The Flink type the output table declares for `outputField`. */
    outputType: sqlTypeSchema,
  }),
]);

/**
 * An LLM step. Compiles to a Kafka sink table `<name>_requests` on the request
 * topic, the INSERT that feeds it, a Kafka source table `<name>` over the output
 * topic (the enriched records: id, text, carried columns and the task's output
 * field) that views and inserts read like any table, and an enrichment task.
 */
export const enrichmentSchema = z.strictObject({
  name: enrichmentNameSchema,
  /** The table or view whose rows are enriched. */
  input: identifierSchema,
  idField: identifierSchema,
  textField: identifierSchema,
  /** Further input columns passed through the enricher; defaults to the input's physical columns. */
  carry: z.array(identifierSchema).optional(),
  task: enrichmentTaskSpecSchema,
  model: z.string().min(1).max(200),
  /** Defaults to `sluice.<job>.<name>.requests`. */
  requestTopic: topicSchema.optional(),
  outputTopic: topicSchema,
  /** Defaults to `<outputTopic>.dlq`. */
  deadLetterTopic: topicSchema.optional(),
  bootstrapServers: bootstrapServersSchema.optional(),
  /** Event time of the output table, on a carried timestamp column. */
  watermark: watermarkSchema.optional(),
  /** Start-up mode of the output table's reader (default `earliest-offset`). */
  startupMode: startupModeSchema.optional(),
});
export type EnrichmentSpec = z.infer<typeof enrichmentSchema>;

/**
 * The job specification: the one JSON contract between builders, API and
 * compiler (see docs/ARCHITECTURE.md "Job specification").
 *
 * @example
 * jobSpecSchema.parse({
 *   name: "sensor-anomalies",
 *   kafka: { bootstrapServers: "kafka:9092" },
 *   tables: [...], inserts: [{ into: "sensor_anomalies", query: {...} }],
 * })
 */
export const jobSpecSchema = z.strictObject({
  name: jobNameSchema,
  description: z.string().max(2000).optional(),
  /**
   * Assigned by the API on each accepted change. The compiler uses it only in
   * default Kafka consumer group ids (`sluice.<job>.v<version>.<table>`).
   */
  version: z.int().min(1).optional(),
  /** Defaults for every Kafka and upsert-kafka table (and the enrichment tables). */
  kafka: z
    .strictObject({
      bootstrapServers: bootstrapServersSchema.optional(),
      properties: propertiesSchema.optional(),
    })
    .optional(),
  tables: z.array(tableSchema).default([]),
  views: z.array(viewSchema).default([]),
  inserts: z.array(insertSchema).default([]),
  enrichments: z.array(enrichmentSchema).default([]),
  /**
   * Online models and adaptive detectors run by Sluice's JVM functions inside Flink; each
   * compiles to a view `<name>` other views and inserts read (see `models.ts`).
   */
  models: z.array(modelSchema).default([]),
  /**
   * Checkpointing (see `checkpoints.ts`): absent, every 10 s exactly-once; `{ interval, mode }`;
   * `false` to opt out explicitly (the job then cannot resume after a failure).
   */
  checkpoints: checkpointsSchema.optional(),
  /** Parallel instances of each operator (`parallelism.default`); a change is a savepoint upgrade. */
  parallelism: parallelismSchema.optional(),
  /**
   * This job's thresholds for its flow conditions, overriding the API's defaults (see
   * `flow-thresholds.ts`); in no SQL, so a change needs no restart.
   */
  flow: flowThresholdsSchema.optional(),
  /** Flink options from an allow-list (see `ALLOWED_CONFIG`), rendered as `SET` statements. */
  config: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()])).default({}),
});

/**
 * The JSON Schema of a job spec, generated from {@link jobSpecSchema} (never
 * written by hand). Self-contained: recursive parts (expressions, queries) are
 * `$defs` referenced as `#/$defs/...`.
 *
 * @example
 * const schema = jobSpecJsonSchema("input"); // what a client may send
 */
export function jobSpecJsonSchema(io: "input" | "output" = "input"): Record<string, unknown> {
  return z.toJSONSchema(jobSpecSchema, { io }) as Record<string, unknown>;
}

/** A parsed job spec (defaults applied); what `compileJob` consumes and `defineJob` returns. */
export type JobSpec = z.output<typeof jobSpecSchema>;
/** A job spec as written in JSON (optional lists may be omitted). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type { ConnectorKind };
