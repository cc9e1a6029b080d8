import type { SpecPath } from "../problems.ts";
import type { InsertSpec } from "../spec.ts";
import { isAssignable } from "../sql-types.ts";
import { queryUpdating } from "./changelog.ts";
import { analyzeQuery } from "./scopes.ts";
import type { AnalysisState } from "./state.ts";
import { type ColumnInfo, describeType, type Relation } from "./types.ts";

/** An INSERT: a writable sink table whose columns and changelog kind fit the query. */
export function analyzeInsert(a: AnalysisState, insert: InsertSpec, path: SpecPath): void {
  const output = analyzeQuery(a, insert.query, [...path, "query"]);
  const target = a.lookup(insert.into, [...path, "into"]);
  if (target === undefined) return;
  if (target.origin !== "table") {
    a.report(
      [...path, "into"],
      "NOT_A_TABLE",
      `\`${insert.into}\` is a ${target.origin.replace("-", " ")}, not a sink table`,
    );
    return;
  }
  if (!target.canWrite) {
    a.report(
      [...path, "into"],
      "NOT_WRITABLE",
      `table \`${insert.into}\` uses a source-only connector and cannot be written`,
    );
    return;
  }
  const columns = sinkColumns(a, insert, target, path);
  if (columns === undefined) return;
  if (!target.acceptsUpdates && queryUpdating(a.relations, insert.query)) {
    a.report(
      [...path, "query"],
      "SINK_NEEDS_APPEND_ONLY",
      `this query produces updates (a GROUP BY outside a window, DISTINCT, an outer join, a top-N or an upsert source) but \`${insert.into}\` can only append; write to an upsert-kafka table with a primary key, or aggregate per window`,
    );
  }
  // A readable table that takes updates is a database table: without a key, updates would be appended.
  if (
    target.acceptsUpdates &&
    target.canRead &&
    target.primaryKey.length === 0 &&
    queryUpdating(a.relations, insert.query)
  ) {
    a.report(
      [...path, "query"],
      "SINK_NEEDS_PRIMARY_KEY",
      `this query produces updates, and \`${insert.into}\` has no primaryKey to upsert them by; declare the table's key (the database table's primary key)`,
    );
  }
  if (output !== null) checkSinkColumns(a, insert, output, columns, path);
}

/** The columns the insert writes: all writable ones, or those it names (`undefined` if one is unknown). */
function sinkColumns(
  a: AnalysisState,
  insert: InsertSpec,
  target: Relation,
  path: SpecPath,
): ColumnInfo[] | undefined {
  if (insert.columns === undefined) return target.writableColumns;
  const columns: ColumnInfo[] = [];
  insert.columns.forEach((name, j) => {
    const column = target.writableColumns.find((c) => c.name === name);
    if (column === undefined) {
      a.report(
        [...path, "columns", j],
        "UNKNOWN_COLUMN",
        `\`${name}\` is not a writable column of \`${insert.into}\` (writable: ${target.writableColumns.map((c) => c.name).join(", ")})`,
      );
    } else columns.push(column);
  });
  return columns.length === insert.columns.length ? columns : undefined;
}

function checkSinkColumns(
  a: AnalysisState,
  insert: InsertSpec,
  output: ColumnInfo[],
  columns: ColumnInfo[],
  path: SpecPath,
): void {
  if (output.length !== columns.length) {
    a.report(
      [...path, "query"],
      "SINK_COLUMN_COUNT",
      `the query produces ${output.length} column(s) (${output.map((c) => c.name).join(", ")}) but \`${insert.into}\` expects ${columns.length} (${columns.map((c) => c.name).join(", ")})`,
    );
    return;
  }
  output.forEach((column, j) => {
    const sink = columns[j];
    if (sink === undefined || column.type === null || sink.type === null) return;
    if (!isAssignable(column.type, sink.type)) {
      const at = insert.query.kind === "select" ? [...path, "query", "select", j] : [...path, "query"];
      a.report(
        at,
        "SINK_TYPE_MISMATCH",
        `column ${j + 1} \`${column.name}\` is ${describeType(column.type)} but sink column \`${sink.name}\` of \`${insert.into}\` is ${describeType(sink.type)}; add a CAST`,
      );
    }
  });
}
