import type { OptionValue } from "./connectors/index.ts";
import type { KafkaConnectorConfig } from "./connectors/kafka.ts";
import {
  type DeadLetterSource,
  deadLetterProblems,
  deadLetterSource,
  type PositionColumn,
} from "./dead-letter-sources.ts";
import type { SpecProblem } from "./problems.ts";
import type { JobSpec, TableSpec } from "./spec.ts";
import { quoteIdentifier, quoteLiteral } from "./sql-text.ts";
import type { SqlType } from "./sql-types.ts";

/** Suffix of the physical source table (a contract with the flow metrics, docs/ARCHITECTURE.md). */
export const RAW_SUFFIX = "__raw";
/** Suffix of the dead-letter sink table (same contract). */
export const DEAD_LETTERS_SUFFIX = "__dead_letters";
/** The format that turns unreadable JSON records into rows (flink-jobs/functions, `dev.sluice.formats`). */
export const DEAD_LETTER_FORMAT = "sluice-json";

/** Columns `sluice-json` and `sluice-csv` fill. */
const ERROR = "__sluice_error";
const ERROR_COLUMN = "__sluice_error_column";
const RAW = "__sluice_raw";
const ERROR_COLUMN_LINES = [
  `${quoteIdentifier(ERROR)} STRING`,
  `${quoteIdentifier(ERROR_COLUMN)} STRING`,
  `${quoteIdentifier(RAW)} BYTES`,
];

/** A required column and the reason a dead letter gives when it is NULL. */
interface Required {
  column: string;
  reason: string;
}

/** The raw table's time attribute when its watermark is not generated in the source (see below). */
const ROWTIME = "__sluice_rowtime";

/** How a source table with an error policy compiles: names, topic, and the checks on each row. */
export interface DeadLetterPlan extends Omit<DeadLetterSource, "required"> {
  rawTable: string;
  sinkTable: string;
  required: Required[];
  /**
   * The watermark's column when the watermark is generated after the source (files): the raw
   * table's watermark is then on `__sluice_rowtime`, the column or, for a dead letter whose time
   * is NULL, the epoch (an old time never moves the watermark), and the view of valid rows shows
   * it under the column's name (valid rows have a time, so it is the column's value).
   */
  rowtime: string | undefined;
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
function requiredColumns(spec: JobSpec, table: TableSpec, declared: string[] | undefined): Required[] {
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
  for (const c of declared ?? []) if (!out.has(c)) out.set(c, `field \`${c}\` is missing or NULL (required)`);
  return [...out].map(([column, reason]) => ({ column, reason }));
}

/** Whether the table compiles split: a source (read, never written) with an error policy. */
function splits(spec: JobSpec, table: TableSpec): boolean {
  return !isWritten(spec, table.name) && isRead(spec, table.name);
}

/**
 * The dead-letter plan of a table: Kafka and filesystem sources with a JSON or CSV format and an
 * error policy other than `fail`. Undefined for every other table (they compile as declared).
 */
export function deadLetterPlan(spec: JobSpec, table: TableSpec): DeadLetterPlan | undefined {
  const source = deadLetterSource(spec, table);
  if (source === undefined || !splits(spec, table)) return undefined;
  return {
    ...source,
    rawTable: `${table.name}${RAW_SUFFIX}`,
    sinkTable: `${table.name}${DEAD_LETTERS_SUFFIX}`,
    required: requiredColumns(spec, table, source.required),
    rowtime: source.watermarkInSource ? undefined : table.watermark?.column,
  };
}

/** Problems of the dead-letter plans: a dead-letter topic needs Kafka bootstrap servers. */
export function validateDeadLetters(spec: JobSpec): SpecProblem[] {
  return deadLetterProblems(spec, (table) => splits(spec, table));
}

/**
 * The source's options with its JSON or CSV format replaced by `sluice-json` / `sluice-csv`
 * (always strict: `ignore-parse-errors` is dropped).
 */
export function rawOptions(options: [string, OptionValue][]): [string, OptionValue][] {
  const prefix = options.some(([key]) => key === "value.format") ? "value." : "";
  const kind = options.find(([key]) => key === `${prefix}format`)?.[1];
  if (kind !== "json" && kind !== "csv") return options;
  const own = `${prefix}${kind}.`;
  return options
    .filter(([key]) => key !== `${own}ignore-parse-errors`)
    .map(([key, value]): [string, OptionValue] => {
      if (key === `${prefix}format`) return [key, `sluice-${kind}`];
      if (key.startsWith(own)) return [`${prefix}sluice-${kind}.${key.slice(own.length)}`, value];
      return [key, value];
    });
}

/** The raw table's column lines: the declared ones, then the error and (missing) position columns. */
export function rawColumnLines(
  plan: DeadLetterPlan,
  columnLines: string[],
  columns: { name: string; type: SqlType | null }[],
): string[] {
  // Physical columns first: CSV is positional, `sluice-csv` reads the ones before `__sluice_*`.
  const added = plan.position.filter((p) => !p.declared);
  const physical = added
    .filter((p) => p.metadataKey === undefined)
    .map((p) => `${quoteIdentifier(p.column)} ${p.type}`);
  const metadata = added
    .filter((p) => p.metadataKey !== undefined)
    .map(
      (p) =>
        `${quoteIdentifier(p.column)} ${p.type} METADATA FROM ${quoteLiteral(p.metadataKey ?? "")} VIRTUAL`,
    );
  return [...columnLines, ...ERROR_COLUMN_LINES, ...physical, ...metadata, ...rowtimeLines(plan, columns)];
}

function rowtimeLines(plan: DeadLetterPlan, columns: { name: string; type: SqlType | null }[]): string[] {
  if (plan.rowtime === undefined) return [];
  const type = columns.find((c) => c.name === plan.rowtime)?.type;
  const epoch = type?.kind === "TIMESTAMP_LTZ" ? "TO_TIMESTAMP_LTZ(0, 3)" : "TIMESTAMP '1970-01-01 00:00:00'";
  return [`${quoteIdentifier(ROWTIME)} AS COALESCE(${quoteIdentifier(plan.rowtime)}, ${epoch})`];
}

/** The raw table's watermark: the table's, on `__sluice_rowtime` when the plan guards the time. */
export function rawWatermark<W extends { column: string }>(plan: DeadLetterPlan, watermark: W | undefined) {
  return plan.rowtime === undefined || watermark === undefined
    ? watermark
    : { ...watermark, column: ROWTIME };
}

function validCondition(plan: DeadLetterPlan): string {
  return [
    `${quoteIdentifier(ERROR)} IS NULL`,
    ...plan.required.map((r) => `${quoteIdentifier(r.column)} IS NOT NULL`),
  ].join(" AND ");
}

/** `CREATE TEMPORARY VIEW <name>`: the valid rows, with the table's declared columns. */
export function validRowsView(plan: DeadLetterPlan, name: string, columns: string[]): string {
  const select = columns.map((c) =>
    c === plan.rowtime ? `${quoteIdentifier(ROWTIME)} AS ${quoteIdentifier(c)}` : quoteIdentifier(c),
  );
  return `CREATE TEMPORARY VIEW ${quoteIdentifier(name)} AS SELECT ${select.join(", ")} FROM ${quoteIdentifier(plan.rawTable)} WHERE ${validCondition(plan)}`;
}

/** A dead letter's columns: `{reason, column, <position>..., raw (base64 in JSON), job}`. */
function sinkColumnLines(position: PositionColumn[]): string[] {
  return [
    "`reason` STRING",
    "`column` STRING",
    ...position.map((p) => `${quoteIdentifier(p.field)} ${p.type}`),
    "`raw` BYTES",
    "`job` STRING",
  ];
}

/** The dead-letter sink's columns and options: a Kafka topic of JSON, or a blackhole (`skip`: counted, not kept). */
export function deadLetterSink(
  plan: DeadLetterPlan,
  kafkaOptions: (config: KafkaConnectorConfig) => [string, OptionValue][],
): { columnLines: string[]; options: [string, OptionValue][] } {
  const sink: KafkaConnectorConfig = {
    kind: "kafka",
    topic: plan.topic,
    bootstrapServers: plan.bootstrapServers,
    format: { kind: "json" },
    ...(plan.exactlyOnce ? { deliveryGuarantee: "exactly-once" as const } : {}),
  };
  return {
    columnLines: sinkColumnLines(plan.position),
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
  const reason = `COALESCE(${quoteIdentifier(ERROR)}, ${caseOf(plan, (r) => r.reason)}) AS \`reason\``;
  // A record the format could not read blames its column, or none: never a required column that
  // is NULL only because the record was unreadable.
  const column = `CASE WHEN ${quoteIdentifier(ERROR)} IS NULL THEN ${caseOf(plan, (r) => r.column)} ELSE ${quoteIdentifier(
    ERROR_COLUMN,
  )} END AS \`column\``;
  const position = plan.position.map((p) => `CAST(${quoteIdentifier(p.column)} AS ${p.type})`);
  return `INSERT INTO ${quoteIdentifier(plan.sinkTable)} SELECT ${[reason, column, ...position].join(", ")}, ${quoteIdentifier(
    RAW,
  )}, ${quoteLiteral(jobName)} FROM ${quoteIdentifier(plan.rawTable)} WHERE NOT (${validCondition(plan)})`;
}
