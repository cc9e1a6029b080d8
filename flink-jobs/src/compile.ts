import type { Analysis, ColumnInfo } from "./analyze/index.ts";
import { renderExecution } from "./checkpoints.ts";
import { renderConfig } from "./config.ts";
import { type Connector, connectorFor, type OptionValue, type TableContext } from "./connectors/index.ts";
import { defaultGroupId, type KafkaConnectorConfig, kafkaConnector } from "./connectors/kafka.ts";
import {
  deadLetterInsert,
  deadLetterPlan,
  deadLetterSink,
  rawColumnLines,
  rawOptions,
  rawWatermark,
  validRowsView,
} from "./dead-letters.ts";
import { type EnrichmentTask, enrichmentTaskSchema } from "./enrichment-task.ts";
import { SpecValidationError } from "./errors.ts";
import { renderExpr, renderInterval } from "./expressions.ts";
import { renderRegistration } from "./models.ts";
import { renderQuery } from "./query.ts";
import { renderOptionValue, secretNamesIn } from "./secrets.ts";
import type { ColumnKind, ColumnSpec, EnrichmentSpec, InsertSpec, JobSpec, TableSpec } from "./spec.ts";
import { quoteIdentifier, quoteLiteral } from "./sql-text.ts";
import { renderType, type SqlType } from "./sql-types.ts";
import { renderTimeColumn } from "./time-formats.ts";
import { validateWithAnalysis } from "./validate.ts";

/** The kinds of statement a compiled job holds, in the order they run. */
export const STATEMENT_KINDS = [
  "set",
  "create-function",
  "create-table",
  "create-view",
  "insert",
  "statement-set",
] as const;
/** What a compiled statement does; the one definition the API, the CLI and the Flink port share. */
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** One SQL statement for the SQL Gateway (no trailing semicolon). */
export interface CompiledStatement {
  kind: StatementKind;
  sql: string;
}

/**
 * A compiled job: statements to run in order in one gateway session (SETs,
 * CREATE TEMPORARY TABLE, CREATE TEMPORARY VIEW, then one EXECUTE STATEMENT SET),
 * the enrichment tasks to publish, and the secrets the SQL refers to.
 */
export interface CompiledJob {
  name: string;
  statements: CompiledStatement[];
  enrichmentTasks: EnrichmentTask[];
  /** Secret names referenced as `${secret:NAME}`, sorted; resolve them with `resolveSecrets`. */
  secretNames: string[];
}

function renderWith(options: [string, OptionValue][]): string {
  return options.map(([key, value]) => `  ${quoteLiteral(key)} = ${renderOptionValue(value)}`).join(",\n");
}

interface TableShape {
  name: string;
  columnLines: string[];
  primaryKey?: string[] | undefined;
  watermark?:
    | { column: string; delay: { value: number; unit: "SECOND" | "MINUTE" | "HOUR" | "DAY" } }
    | undefined;
  options: [string, OptionValue][];
}

function renderCreateTable(shape: TableShape): string {
  const lines = [...shape.columnLines];
  if (shape.primaryKey !== undefined && shape.primaryKey.length > 0) {
    lines.push(`PRIMARY KEY (${shape.primaryKey.map(quoteIdentifier).join(", ")}) NOT ENFORCED`);
  }
  if (shape.watermark !== undefined) {
    const column = quoteIdentifier(shape.watermark.column);
    lines.push(`WATERMARK FOR ${column} AS ${column} - ${renderInterval(shape.watermark.delay)}`);
  }
  return `CREATE TEMPORARY TABLE ${quoteIdentifier(shape.name)} (\n${lines.map((l) => `  ${l}`).join(",\n")}\n) WITH (\n${renderWith(shape.options)}\n)`;
}

/** Options of a connector plus the table's extra properties (which may override spec-wide defaults). */
function mergeOptions(
  base: [string, OptionValue][],
  extra: Record<string, string | number | boolean | { secret: string }>,
): [string, OptionValue][] {
  const merged = new Map<string, OptionValue>(base);
  for (const [key, value] of Object.entries(extra)) {
    merged.set(key, typeof value === "string" || typeof value === "object" ? value : String(value));
  }
  return [...merged];
}

function tableContext(
  spec: JobSpec,
  name: string,
  columns: ColumnInfo[],
  primaryKey?: string[],
): TableContext {
  return {
    jobName: spec.name,
    jobVersion: spec.version,
    tableName: name,
    columns,
    primaryKey,
    kafka: spec.kafka,
  };
}

type ColumnRenderers = { [K in ColumnKind]: (column: Extract<ColumnSpec, { kind: K }>) => string[] };

const columnRenderers: ColumnRenderers = {
  physical: (c) => [`${quoteIdentifier(c.name)} ${renderType(c.type)}`],
  computed: (c) => [`${quoteIdentifier(c.name)} AS ${renderExpr(c.expression)}`],
  metadata: (c) => [
    `${quoteIdentifier(c.name)} ${renderType(c.type)} METADATA${c.key === undefined ? "" : ` FROM ${quoteLiteral(c.key)}`}${
      c.virtual ? " VIRTUAL" : ""
    }`,
  ],
  time: renderTimeColumn,
};

function renderColumn(column: ColumnSpec): string[] {
  return (columnRenderers[column.kind] as (c: ColumnSpec) => string[])(column);
}

/** A table's CREATE TABLE; a source with an error policy is split (see `dead-letters.ts`). */
function compileTable(spec: JobSpec, table: TableSpec, analysis: Analysis): CompiledStatement[] {
  const columnLines = table.columns.flatMap(renderColumn);
  const connector = connectorFor(table.connector) as Connector<typeof table.connector>;
  const columns = analysis.relations.get(table.name)?.columns ?? [];
  const context = tableContext(spec, table.name, columns, table.primaryKey);
  const options = mergeOptions(connector.options(table.connector, context), table.connector.properties ?? {});
  const plan = deadLetterPlan(spec, table);
  const shape = { primaryKey: table.primaryKey, watermark: table.watermark };
  if (plan === undefined)
    return [
      { kind: "create-table", sql: renderCreateTable({ name: table.name, columnLines, ...shape, options }) },
    ];
  const sink = deadLetterSink(plan, (config) =>
    kafkaConnector.options(config, tableContext(spec, plan.sinkTable, [])),
  );
  return [
    {
      kind: "create-table",
      sql: renderCreateTable({
        name: plan.rawTable,
        columnLines: rawColumnLines(plan, columnLines, columns),
        primaryKey: table.primaryKey,
        watermark: rawWatermark(plan, table.watermark),
        options: rawOptions(options),
      }),
    },
    { kind: "create-table", sql: renderCreateTable({ name: plan.sinkTable, ...sink }) },
    {
      kind: "create-view",
      sql: validRowsView(
        plan,
        table.name,
        columns.map((c) => c.name),
      ),
    },
  ];
}

/** Names and topics the enrichment compiles to. */
export function enrichmentNames(spec: JobSpec, enrichment: EnrichmentSpec) {
  const requestTopic = enrichment.requestTopic ?? `sluice.${spec.name}.${enrichment.name}.requests`;
  return {
    requestTable: `${enrichment.name}_requests`,
    outputTable: enrichment.name,
    requestTopic,
    outputTopic: enrichment.outputTopic,
    deadLetterTopic: enrichment.deadLetterTopic ?? `${enrichment.outputTopic}.dlq`,
    outputField: enrichment.task.outputField ?? "themes",
  };
}

function bootstrapFor(spec: JobSpec, enrichment: EnrichmentSpec): string | undefined {
  const input = spec.tables.find((t) => t.name === enrichment.input);
  const inputBootstrap =
    input !== undefined && "bootstrapServers" in input.connector
      ? input.connector.bootstrapServers
      : undefined;
  return enrichment.bootstrapServers ?? spec.kafka?.bootstrapServers ?? inputBootstrap;
}

function compileEnrichment(spec: JobSpec, enrichment: EnrichmentSpec, analysis: Analysis) {
  const names = enrichmentNames(spec, enrichment);
  const carried = analysis.enrichmentColumns.get(enrichment.name) ?? [];
  const typed = carried.map((c) => ({ name: c.name, type: c.type as SqlType }));
  const columnLine = (c: { name: string; type: SqlType }) =>
    `${quoteIdentifier(c.name)} ${renderType(c.type)}`;
  const bootstrapServers = bootstrapFor(spec, enrichment);

  // The request topic is keyed by the record id so the enricher can key its output the same way.
  // Exactly-once: after a failover an at-least-once sink re-sends the requests written since
  // the last checkpoint, the enricher enriches them again and the counts downstream see them
  // twice. In transactions committed on checkpoints (the enricher reads committed, and writes
  // its output transactionally too), every request reaches the enriched topic once.
  const requestConfig: KafkaConnectorConfig = {
    kind: "kafka",
    topic: names.requestTopic,
    bootstrapServers,
    format: { kind: "json" },
    key: { format: { kind: "json" }, fields: [enrichment.idField] },
    deliveryGuarantee: "exactly-once",
  };
  const requestTable = renderCreateTable({
    name: names.requestTable,
    columnLines: typed.map(columnLine),
    options: kafkaConnector
      .options(requestConfig, tableContext(spec, names.requestTable, carried))
      .filter(([key]) => key !== "properties.group.id"),
  });

  const outputType: SqlType =
    enrichment.task.kind === "custom"
      ? enrichment.task.outputType
      : { kind: "ARRAY", element: { kind: "STRING" } };
  // The enricher writes transactionally; read only committed records so aborted attempts never count.
  const outputConfig: KafkaConnectorConfig = {
    kind: "kafka",
    topic: names.outputTopic,
    bootstrapServers,
    groupId: defaultGroupId(spec.name, spec.version, enrichment.name, enrichment.startupMode),
    startupMode: enrichment.startupMode ?? "earliest-offset",
    format: { kind: "json" },
    properties: { "properties.isolation.level": "read_committed" },
  };
  const outputTable = renderCreateTable({
    name: names.outputTable,
    columnLines: [...typed, { name: names.outputField, type: outputType }].map(columnLine),
    watermark: enrichment.watermark,
    options: mergeOptions(
      kafkaConnector.options(outputConfig, tableContext(spec, names.outputTable, carried)),
      outputConfig.properties ?? {},
    ),
  });

  const feed = `INSERT INTO ${quoteIdentifier(names.requestTable)} SELECT ${carried
    .map((c) => quoteIdentifier(c.name))
    .join(", ")} FROM ${quoteIdentifier(enrichment.input)}`;

  const task: EnrichmentTask = enrichmentTaskSchema.parse({
    id: `${spec.name}.${enrichment.name}`,
    job: spec.name,
    name: enrichment.name,
    inputTopic: names.requestTopic,
    outputTopic: names.outputTopic,
    deadLetterTopic: names.deadLetterTopic,
    idField: enrichment.idField,
    textField: enrichment.textField,
    model: enrichment.model,
    task:
      enrichment.task.kind === "themes"
        ? {
            kind: "themes",
            outputField: names.outputField,
            maxThemes: enrichment.task.maxThemes,
            maxThemeLength: enrichment.task.maxThemeLength,
          }
        : {
            kind: "custom",
            outputField: enrichment.task.outputField,
            prompt: enrichment.task.prompt,
            outputSchema: enrichment.task.outputSchema,
          },
  });
  return { tables: [requestTable, outputTable], feed, task };
}

function compileInsert(insert: InsertSpec, analysis: Analysis): string {
  const columns = insert.columns === undefined ? "" : ` (${insert.columns.map(quoteIdentifier).join(", ")})`;
  const body = renderQuery(insert.query, (from) => analysis.fromColumns.get(from) ?? []);
  return `INSERT INTO ${quoteIdentifier(insert.into)}${columns} ${body}`;
}

/**
 * Compiles a job spec to Flink SQL. Pure and deterministic: the same spec
 * always gives the same statements. Throws {@link SpecValidationError} when the
 * spec is invalid (the same problems `validateJob` reports).
 *
 * @example
 * const job = compileJob(sensorAnomalies());
 * job.statements.map((s) => s.kind); // ["create-table", "create-table", "statement-set"]
 * // last statement:
 * // EXECUTE STATEMENT SET
 * // BEGIN
 * // INSERT INTO `sensor_anomalies` SELECT `device_id`, ... FROM `sensor_data` WHERE `temperature` > 100;
 * // END
 */
export function compileJob(spec: JobSpec): CompiledJob {
  const validated = validateWithAnalysis(spec);
  if (!validated.ok) throw new SpecValidationError(validated.problems);
  const { analysis } = validated;
  const valid = validated.spec;

  const statements: CompiledStatement[] = [...renderExecution(valid), ...renderConfig(valid.config)].map(
    (sql) => ({ kind: "set" as const, sql }),
  );
  // The functions the models use, registered like the views that call them (the statement kinds
  // are shared with the API, which has no kind for functions yet).
  for (const kind of new Set(valid.models.map((m) => m.function.kind)))
    statements.push({ kind: "create-function", sql: renderRegistration(kind) });
  for (const table of valid.tables) statements.push(...compileTable(valid, table, analysis));

  const enrichments = valid.enrichments.map((e) => compileEnrichment(valid, e, analysis));
  for (const e of enrichments) for (const sql of e.tables) statements.push({ kind: "create-table", sql });

  const columnsOf = (from: Parameters<typeof analysis.fromColumns.get>[0]) =>
    analysis.fromColumns.get(from) ?? [];
  for (const view of analysis.viewOrder) {
    statements.push({
      kind: "create-view",
      sql: `CREATE TEMPORARY VIEW ${quoteIdentifier(view.name)} AS ${renderQuery(view.query, columnsOf)}`,
    });
  }

  const deadLetters = valid.tables.flatMap((t) => deadLetterPlan(valid, t) ?? []);
  const inserts = [
    ...deadLetters.map((plan) => deadLetterInsert(plan, valid.name)),
    ...enrichments.map((e) => e.feed),
    ...valid.inserts.map((i) => compileInsert(i, analysis)),
  ];
  statements.push({
    kind: "statement-set",
    sql: `EXECUTE STATEMENT SET\nBEGIN\n${inserts.map((sql) => `${sql};\n`).join("")}END`,
  });

  return {
    name: valid.name,
    statements,
    enrichmentTasks: enrichments.map((e) => e.task),
    secretNames: secretNamesIn(statements.map((s) => s.sql).join("\n")),
  };
}
