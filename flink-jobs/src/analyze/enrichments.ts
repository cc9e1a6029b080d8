import type { SpecPath } from "../problems.ts";
import type { EnrichmentSpec } from "../spec.ts";
import { type SqlType, typeFamily } from "../sql-types.ts";
import type { AnalysisState } from "./state.ts";
import { markWatermark } from "./type-checks.ts";
import { type ColumnInfo, derivedRelation, describeType, type Relation, STRING } from "./types.ts";

/**
 * Resolves an enrichment on first use: its input, the columns it carries to
 * its output table (`<name>`) and its request table (`<name>_requests`).
 */
export function resolveEnrichment(
  a: AnalysisState,
  enrichment: EnrichmentSpec,
  index: number,
): Relation | undefined {
  const existing = a.relations.get(enrichment.name);
  if (existing !== undefined) return existing;
  const path: SpecPath = ["enrichments", index];
  // Registered first so that a view reading this output while we resolve the input does not loop.
  const placeholder = derivedRelation(enrichment.name, "enrichment-output", {
    columns: null,
    canRead: true,
    hasWatermark: enrichment.watermark !== undefined,
  });
  a.relations.set(enrichment.name, placeholder);
  const input = a.lookup(enrichment.input, [...path, "input"]);
  if (input === undefined) return placeholder;
  if (!input.canRead) {
    a.report(
      [...path, "input"],
      "NOT_READABLE",
      `\`${enrichment.input}\` is a sink-only table and cannot be read`,
    );
  }
  if (input.columns === null) {
    a.report(
      [...path, "input"],
      "UNKNOWN_COLUMNS",
      `the columns of \`${enrichment.input}\` are unknown (a raw query); enrich a table or a structured view`,
    );
    return placeholder;
  }
  const all = carriedColumns(a, enrichment, input.columns, path);
  a.enrichmentColumns.set(enrichment.name, all);
  placeholder.columns = outputColumns(a, enrichment, all, path);
  checkKafka(a, enrichment, path);
  const requests = `${enrichment.name}_requests`;
  a.relations.set(
    requests,
    derivedRelation(requests, "enrichment-requests", {
      columns: all,
      writableColumns: all,
      canRead: false,
      hasWatermark: false,
    }),
  );
  return placeholder;
}

/** The id and text fields, then the carried ones (by default the input's physical columns). */
function carriedColumns(
  a: AnalysisState,
  enrichment: EnrichmentSpec,
  inputColumns: ColumnInfo[],
  path: SpecPath,
): ColumnInfo[] {
  const find = (name: string, at: SpecPath) => a.inputColumn(enrichment.input, inputColumns, name, at);
  const id = find(enrichment.idField, [...path, "idField"]);
  const text = find(enrichment.textField, [...path, "textField"]);
  if (text?.type != null && typeFamily(text.type) !== "string") {
    a.report(
      [...path, "textField"],
      "TYPE_MISMATCH",
      `the text field \`${text.name}\` must be a string, but it is ${describeType(text.type)}`,
    );
  }
  const carried: ColumnInfo[] = [];
  if (enrichment.carry !== undefined) {
    enrichment.carry.forEach((name, i) => {
      const column = find(name, [...path, "carry", i]);
      if (column !== undefined && name !== enrichment.idField && name !== enrichment.textField)
        carried.push(column);
    });
  } else {
    const table = a.spec.tables.find((t) => t.name === enrichment.input);
    const physical =
      table === undefined
        ? null
        : new Set(table.columns.filter((c) => c.kind === "physical").map((c) => c.name));
    for (const column of inputColumns) {
      if (column.name === enrichment.idField || column.name === enrichment.textField) continue;
      if (physical !== null && !physical.has(column.name)) continue;
      if (column.time === "proctime") continue;
      carried.push(column);
    }
  }
  const all: ColumnInfo[] = [];
  for (const c of [id, text, ...carried]) {
    if (c !== undefined && !all.some((x) => x.name === c.name)) all.push({ name: c.name, type: c.type });
  }
  return all;
}

/** The output table's columns: the carried ones, then the task's output field; its watermark checked. */
function outputColumns(
  a: AnalysisState,
  enrichment: EnrichmentSpec,
  all: ColumnInfo[],
  path: SpecPath,
): ColumnInfo[] {
  const outputField = enrichment.task.outputField ?? "themes";
  const outputType: SqlType =
    enrichment.task.kind === "custom" ? enrichment.task.outputType : { kind: "ARRAY", element: STRING };
  if (all.some((c) => c.name === outputField)) {
    a.report(
      [...path, "task", "outputField"],
      "DUPLICATE_COLUMN",
      `the output field \`${outputField}\` is already a carried column; name it differently`,
    );
  }
  if (all.some((c) => c.type === null)) {
    a.report([...path, "input"], "UNKNOWN_COLUMNS", "every carried column needs a known type");
  }
  const columns: ColumnInfo[] = [...all.map((c) => ({ ...c })), { name: outputField, type: outputType }];
  if (enrichment.watermark !== undefined) {
    const name = enrichment.watermark.column;
    markWatermark(
      a,
      columns.find((c) => c.name === name),
      [...path, "watermark", "column"],
      {
        unknown: `watermark column \`${name}\` is not carried through the enrichment`,
        notTimestamp: (column) =>
          `a watermark needs a TIMESTAMP(p)/TIMESTAMP_LTZ(p) column with p <= 3, but \`${column.name}\` is ${describeType(column.type)}`,
      },
    );
  }
  return columns;
}

/** The enrichment needs Kafka to talk to the enricher, on two different topics. */
function checkKafka(a: AnalysisState, enrichment: EnrichmentSpec, path: SpecPath): void {
  const inputTable = a.spec.tables.find((t) => t.name === enrichment.input);
  const inputBootstrap =
    inputTable !== undefined && "bootstrapServers" in inputTable.connector
      ? inputTable.connector.bootstrapServers
      : undefined;
  if ((enrichment.bootstrapServers ?? a.spec.kafka?.bootstrapServers ?? inputBootstrap) === undefined) {
    a.report(
      [...path, "bootstrapServers"],
      "MISSING_BOOTSTRAP_SERVERS",
      "no Kafka bootstrap servers: set `bootstrapServers` here or `kafka.bootstrapServers` for the whole job",
    );
  }
  const requestTopic = enrichment.requestTopic ?? `sluice.${a.spec.name}.${enrichment.name}.requests`;
  if (requestTopic === enrichment.outputTopic) {
    a.report(
      [...path, "outputTopic"],
      "TOPIC_CONFLICT",
      "the output topic must differ from the request topic",
    );
  }
}
