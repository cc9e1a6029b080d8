import type { OptionValue } from "./connectors/index.ts";
import type { KafkaConnectorConfig } from "./connectors/kafka.ts";
import type { JobSpec, TableSpec } from "./spec.ts";
import { quoteIdentifier, quoteLiteral } from "./sql-text.ts";

/** Suffix of the physical source table (a contract with the flow metrics, docs/ARCHITECTURE.md). */
export const RAW_SUFFIX = "__raw";
/** Suffix of the dead-letter sink table (same contract). */
export const DEAD_LETTERS_SUFFIX = "__dead_letters";
/** The format that turns unreadable records into rows (flink-jobs/functions, `dev.sluice.formats`). */
export const DEAD_LETTER_FORMAT = "sluice-json";

/** Columns `sluice-json` fills, and the Kafka metadata a dead letter carries. */
const ERROR = "__sluice_error";
const ERROR_COLUMN = "__sluice_error_column";
const RAW = "__sluice_raw";
const ERROR_COLUMN_LINES = [
  `${quoteIdentifier(ERROR)} STRING`,
  `${quoteIdentifier(ERROR_COLUMN)} STRING`,
  `${quoteIdentifier(RAW)} BYTES`,
];
/** The Kafka metadata of a dead letter and its type there. */
const POSITION = { topic: "STRING", partition: "INT", offset: "BIGINT" } as const;
type PositionKey = keyof typeof POSITION;
const POSITION_KEYS = Object.keys(POSITION) as PositionKey[];

/** A dead letter, as JSON on the dead-letter topic (`raw` is base64, Flink's JSON for BYTES). */
const DEAD_LETTER_COLUMN_LINES = [
  "`reason` STRING",
  "`column` STRING",
  "`topic` STRING",
  "`partition` INT",
  "`offset` BIGINT",
  "`raw` BYTES",
  "`job` STRING",
];

/** A required column and the reason a dead letter gives when it is NULL. */
interface Required {
  column: string;
  reason: string;
}

/** How a source table with an error policy compiles: names, topic, and the checks on each row. */
export interface DeadLetterPlan {
  rawTable: string;
  sinkTable: string;
  policy: "dead-letter" | "skip";
  topic: string;
  config: KafkaConnectorConfig;
  required: Required[];
  /** The column holding each position key: the table's own metadata column, else `__sluice_<key>`. */
  position: Record<PositionKey, { column: string; declared: boolean }>;
}

/** Whether some insert writes the table (then it is a sink, not a source). */
function isWritten(spec: JobSpec, name: string): boolean {
  return spec.inserts.some((i) => i.into === name);
}

/**
 * Whether some query, model or enrichment may read the table: its name appears in them (as a
 * JSON string, or as a word of raw SQL). Over-approximates, which only costs a split.
 */
function isRead(spec: JobSpec, name: string): boolean {
  const text = JSON.stringify([spec.views, spec.inserts.map((i) => i.query), spec.models, spec.enrichments]);
  const word = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return (
    text.includes(JSON.stringify(name)) || new RegExp(`(^|[^A-Za-z0-9_])${word}([^A-Za-z0-9_]|$)`).test(text)
  );
}

/** The columns a row must have: declared, the watermark's (and its time field), a model's inputs. */
function requiredColumns(spec: JobSpec, table: TableSpec, config: KafkaConnectorConfig): Required[] {
  const out = new Map<string, string>();
  const watermark = table.watermark?.column;
  const time = table.columns.find((c) => c.kind === "time" && c.name === watermark);
  if (time?.kind === "time") {
    out.set(
      time.field,
      `field \`${time.field}\` is missing or NULL (the event time \`${time.name}\` needs it)`,
    );
    out.set(time.name, `field \`${time.field}\` is not a valid ${time.format} time`);
  } else if (watermark !== undefined)
    out.set(watermark, `the event time \`${watermark}\` is missing or NULL`);
  for (const model of spec.models.filter((m) => m.input === table.name)) {
    const fn = model.function;
    const inputs = "value" in fn ? [fn.value] : [fn.label, ...fn.features];
    for (const c of inputs)
      out.set(c, `field \`${c}\` is missing or NULL (model \`${model.name}\` learns from it)`);
  }
  for (const c of config.required ?? [])
    if (!out.has(c)) out.set(c, `field \`${c}\` is missing or NULL (required)`);
  return [...out].map(([column, reason]) => ({ column, reason }));
}

/** Flink allows one column per metadata key: reuse the table's own, else add `__sluice_<key>`. */
function positionColumns(table: TableSpec): DeadLetterPlan["position"] {
  const entries = POSITION_KEYS.map((key) => {
    const own = table.columns.find((c) => c.kind === "metadata" && (c.key ?? c.name) === key);
    return [key, { column: own?.name ?? `__sluice_${key}`, declared: own !== undefined }];
  });
  return Object.fromEntries(entries) as DeadLetterPlan["position"];
}

/**
 * The dead-letter plan of a table: Kafka sources with a JSON value and an error policy other than
 * `fail`. Undefined for every other table (they compile as declared).
 */
export function deadLetterPlan(spec: JobSpec, table: TableSpec): DeadLetterPlan | undefined {
  const config = table.connector;
  if (config.kind !== "kafka" || config.format.kind !== "json") return undefined;
  const policy = config.errorPolicy ?? "dead-letter";
  if (policy === "fail" || isWritten(spec, table.name) || !isRead(spec, table.name)) return undefined;
  return {
    rawTable: `${table.name}${RAW_SUFFIX}`,
    sinkTable: `${table.name}${DEAD_LETTERS_SUFFIX}`,
    policy,
    topic: config.deadLetterTopic ?? `${config.topic}.dlq`,
    config,
    required: requiredColumns(spec, table, config),
    position: positionColumns(table),
  };
}

/** The source's options with its JSON value format replaced by `sluice-json` (always strict). */
export function rawOptions(options: [string, OptionValue][]): [string, OptionValue][] {
  const valueFormat = options.some(([key]) => key === "value.format") ? "value." : "";
  return options
    .filter(([key]) => key !== `${valueFormat}json.ignore-parse-errors`)
    .map(([key, value]): [string, OptionValue] => {
      if (key === `${valueFormat}format`) return [key, DEAD_LETTER_FORMAT];
      if (key.startsWith(`${valueFormat}json.`))
        return [`${valueFormat}${DEAD_LETTER_FORMAT}.${key.slice(valueFormat.length + 5)}`, value];
      return [key, value];
    });
}

/** The raw table's column lines: the declared ones, then the error and (missing) position columns. */
export function rawColumnLines(plan: DeadLetterPlan, columnLines: string[]): string[] {
  const position = POSITION_KEYS.filter((key) => !plan.position[key].declared).map(
    (key) => `${quoteIdentifier(plan.position[key].column)} ${POSITION[key]} METADATA FROM '${key}' VIRTUAL`,
  );
  return [...columnLines, ...ERROR_COLUMN_LINES, ...position];
}

function validCondition(plan: DeadLetterPlan): string {
  return [
    `${quoteIdentifier(ERROR)} IS NULL`,
    ...plan.required.map((r) => `${quoteIdentifier(r.column)} IS NOT NULL`),
  ].join(" AND ");
}

/** `CREATE TEMPORARY VIEW <name>`: the valid rows, with the table's declared columns. */
export function validRowsView(plan: DeadLetterPlan, name: string, columns: string[]): string {
  return `CREATE TEMPORARY VIEW ${quoteIdentifier(name)} AS SELECT ${columns
    .map(quoteIdentifier)
    .join(", ")} FROM ${quoteIdentifier(plan.rawTable)} WHERE ${validCondition(plan)}`;
}

/** The dead-letter sink's columns and options: a Kafka topic of JSON, or a blackhole (`skip`: counted, not kept). */
export function deadLetterSink(
  plan: DeadLetterPlan,
  spec: JobSpec,
  kafkaOptions: (config: KafkaConnectorConfig) => [string, OptionValue][],
): { columnLines: string[]; options: [string, OptionValue][] } {
  const exactlyOnce = spec.tables.some(
    (t) => t.connector.kind === "kafka" && t.connector.deliveryGuarantee === "exactly-once",
  );
  const sink: KafkaConnectorConfig = {
    kind: "kafka",
    topic: plan.topic,
    bootstrapServers: plan.config.bootstrapServers,
    format: { kind: "json" },
    ...(exactlyOnce ? { deliveryGuarantee: "exactly-once" as const } : {}),
  };
  return {
    columnLines: DEAD_LETTER_COLUMN_LINES,
    options:
      plan.policy === "skip"
        ? [["connector", "blackhole"]]
        : kafkaOptions(sink).filter(([key]) => key !== "properties.group.id"),
  };
}

function caseOf(plan: DeadLetterPlan, pick: (r: Required) => string): string {
  if (plan.required.length === 0) return "CAST(NULL AS STRING)";
  const whens = plan.required.map(
    (r) => `WHEN ${quoteIdentifier(r.column)} IS NULL THEN ${quoteLiteral(pick(r))}`,
  );
  return `CASE ${whens.join(" ")} END`;
}

/** The INSERT of the invalid rows into the dead-letter sink, with their reason and position. */
export function deadLetterInsert(plan: DeadLetterPlan, jobName: string): string {
  return `INSERT INTO ${quoteIdentifier(plan.sinkTable)} SELECT COALESCE(${quoteIdentifier(ERROR)}, ${caseOf(
    plan,
    (r) => r.reason,
  )}) AS \`reason\`, COALESCE(${quoteIdentifier(ERROR_COLUMN)}, ${caseOf(plan, (r) => r.column)}) AS \`column\`, ${POSITION_KEYS.map(
    (key) => `CAST(${quoteIdentifier(plan.position[key].column)} AS ${POSITION[key]})`,
  ).join(
    ", ",
  )}, ${quoteIdentifier(RAW)}, ${quoteLiteral(jobName)} FROM ${quoteIdentifier(plan.rawTable)} WHERE NOT (${validCondition(plan)})`;
}
