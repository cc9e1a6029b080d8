import { type Connector, connectorFor } from "../connectors/index.ts";
import type { SpecPath } from "../problems.ts";
import type { TableSpec } from "../spec.ts";
import { inferExpr } from "./expression-types.ts";
import type { AnalysisState } from "./state.ts";
import { markWatermark } from "./type-checks.ts";
import { type ColumnInfo, describeType, type Relation } from "./types.ts";

/** A declared table: its columns (computed ones typed), key, watermark and connector settings checked. */
export function analyzeTable(a: AnalysisState, table: TableSpec, path: SpecPath): Relation {
  const { columns, writable } = tableColumns(a, table, path);
  const primaryKey = table.primaryKey ?? [];
  checkPrimaryKey(a, table, primaryKey, path);
  if (table.watermark !== undefined) {
    const name = table.watermark.column;
    markWatermark(
      a,
      columns.find((c) => c.name === name),
      [...path, "watermark", "column"],
      {
        unknown: `watermark column \`${name}\` is not a column of \`${table.name}\``,
        notTimestamp: (column) =>
          `a watermark needs a TIMESTAMP(p) or TIMESTAMP_LTZ(p) column with p <= 3, but \`${column.name}\` is ${describeType(column.type)}; declare a computed column such as TO_TIMESTAMP_LTZ(epoch_millis, 3)`,
      },
    );
  }
  const connector = checkConnector(a, table, columns, path);
  return {
    name: table.name,
    origin: "table",
    columns,
    writableColumns: writable,
    canRead: connector.canRead,
    canWrite: connector.canWrite,
    canLookup: connector.canLookup,
    producesUpdates: connector.producesUpdates,
    acceptsUpdates: connector.acceptsUpdates,
    primaryKey,
    hasWatermark: table.watermark !== undefined,
  };
}

function tableColumns(
  a: AnalysisState,
  table: TableSpec,
  path: SpecPath,
): { columns: ColumnInfo[]; writable: ColumnInfo[] } {
  const columns: ColumnInfo[] = [];
  const writable: ColumnInfo[] = [];
  const seen = new Set<string>();
  table.columns.forEach((column, i) => {
    const at: SpecPath = [...path, "columns", i];
    if (seen.has(column.name)) {
      a.report(
        [...at, "name"],
        "DUPLICATE_COLUMN",
        `column \`${column.name}\` appears twice in table \`${table.name}\``,
      );
      return;
    }
    seen.add(column.name);
    if (column.kind === "computed") {
      const info = inferExpr(a, column.expression, [...at, "expression"], {
        scope: [{ qualifier: table.name, columns: [...columns] }],
        aggregates: false,
        over: false,
      });
      columns.push({ name: column.name, type: info.type, time: info.time });
    } else {
      const info: ColumnInfo = { name: column.name, type: column.type };
      columns.push(info);
      if (column.kind === "physical" || !column.virtual) writable.push(info);
    }
  });
  return { columns, writable };
}

function checkPrimaryKey(a: AnalysisState, table: TableSpec, primaryKey: string[], path: SpecPath): void {
  primaryKey.forEach((name, i) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) {
      a.report(
        [...path, "primaryKey", i],
        "UNKNOWN_COLUMN",
        `primary key column \`${name}\` is not a column of \`${table.name}\``,
      );
    } else if (column.kind !== "physical") {
      a.report(
        [...path, "primaryKey", i],
        "PRIMARY_KEY_NOT_PHYSICAL",
        `primary key column \`${name}\` must be a physical column`,
      );
    }
  });
}

/** Metadata keys, the connector's own checks and its extra properties. */
function checkConnector(
  a: AnalysisState,
  table: TableSpec,
  columns: ColumnInfo[],
  path: SpecPath,
): Connector<TableSpec["connector"]> {
  const connector = connectorFor(table.connector) as Connector<typeof table.connector>;
  table.columns.forEach((column, i) => {
    if (column.kind !== "metadata") return;
    const key = column.key ?? column.name;
    if (!connector.metadataKeys.includes(key)) {
      a.report(
        [...path, "columns", i, column.key === undefined ? "name" : "key"],
        "METADATA_KEY_UNKNOWN",
        connector.metadataKeys.length === 0
          ? `the ${table.connector.kind} connector exposes no metadata`
          : `the ${table.connector.kind} connector has no metadata \`${key}\`; available: ${connector.metadataKeys.join(", ")}`,
      );
    }
  });
  const context = {
    jobName: a.spec.name,
    tableName: table.name,
    columns,
    primaryKey: table.primaryKey,
    kafka: a.spec.kafka,
  };
  a.problems.push(...connector.validate(table.connector, context, [...path, "connector"]));
  a.checkProperties(connector, table.connector.properties, [...path, "connector", "properties"]);
  return connector;
}
