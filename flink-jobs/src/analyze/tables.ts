import { type Connector, connectorFor } from "../connectors/index.ts";
import type { SpecPath } from "../problems.ts";
import type { TableSpec } from "../spec.ts";
import { type TimeColumnSpec, timeColumnType, timeFieldType } from "../time-formats.ts";
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
    if (column.kind === "time") {
      timeColumns(a, table, column, at, seen, { columns, writable });
    } else if (column.kind === "computed") {
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

/** A typed time: its field (physical, writable) and the computed timestamp over it. */
function timeColumns(
  a: AnalysisState,
  table: TableSpec,
  column: TimeColumnSpec,
  at: SpecPath,
  seen: Set<string>,
  out: { columns: ColumnInfo[]; writable: ColumnInfo[] },
): void {
  if (column.field === column.name) {
    a.report(
      [...at, "field"],
      "TIME_FIELD_IS_NAME",
      `time column \`${column.name}\` reads the field \`${column.field}\`, which needs its own name: the field is a physical ${timeFieldType(column.format).kind} column, the time a computed one (e.g. name \`event_time\`, field \`${column.field}\`)`,
    );
  } else if (seen.has(column.field)) {
    a.report(
      [...at, "field"],
      "DUPLICATE_COLUMN",
      `column \`${column.field}\` appears twice in table \`${table.name}\``,
    );
  } else {
    seen.add(column.field);
    const field: ColumnInfo = { name: column.field, type: timeFieldType(column.format) };
    out.columns.push(field);
    out.writable.push(field);
  }
  out.columns.push({ name: column.name, type: timeColumnType(column.format) });
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
