import type { SpecPath } from "../problems.ts";
import { type SqlType, type TypeFamily, typeFamily, widerNumeric } from "../sql-types.ts";
import type { AnalysisState } from "./state.ts";
import { type ColumnInfo, canCarryWatermark, describeType, type ExprInfo } from "./types.ts";

/** Reports an expression that is known not to be a BOOLEAN condition. */
export function expectBoolean(a: AnalysisState, info: ExprInfo, path: SpecPath, what: string): void {
  if (info.type !== null && typeFamily(info.type) !== "boolean") {
    a.report(
      path,
      "TYPE_MISMATCH",
      `${what} must be a condition (BOOLEAN), but it is ${describeType(info.type)}`,
    );
  }
}

export function expectFamily(
  a: AnalysisState,
  info: ExprInfo,
  families: TypeFamily[],
  path: SpecPath,
  what: string,
): void {
  if (info.type !== null && !families.includes(typeFamily(info.type))) {
    a.report(
      path,
      "TYPE_MISMATCH",
      `${what} must be ${families.join(" or ")}, but it is ${describeType(info.type)}`,
    );
  }
}

export function comparable(
  a: AnalysisState,
  left: ExprInfo,
  right: ExprInfo,
  path: SpecPath,
  what: string,
): void {
  if (left.type === null || right.type === null) return;
  if (typeFamily(left.type) !== typeFamily(right.type)) {
    a.report(
      path,
      "TYPE_MISMATCH",
      `${what}: cannot compare ${describeType(left.type)} with ${describeType(right.type)}`,
    );
  }
}

/**
 * Marks the watermark column as the event-time attribute (`rowtime`), or
 * reports it missing (`unknown`) or not a TIMESTAMP(p)/TIMESTAMP_LTZ(p) with p <= 3.
 */
export function markWatermark(
  a: AnalysisState,
  column: ColumnInfo | undefined,
  path: SpecPath,
  messages: { unknown: string; notTimestamp: (column: ColumnInfo) => string },
): void {
  if (column === undefined) a.report(path, "UNKNOWN_COLUMN", messages.unknown);
  else if (column.type !== null && !canCarryWatermark(column.type)) {
    a.report(path, "WATERMARK_NOT_TIMESTAMP", messages.notTimestamp(column));
  } else column.time = "rowtime";
}

/** The type of a CASE so far, merged with one more branch. */
export function mergeBranch(
  a: AnalysisState,
  current: SqlType | null,
  next: SqlType | null,
  path: SpecPath,
): SqlType | null {
  if (current === null) return next;
  if (next === null) return current;
  if (typeFamily(current) !== typeFamily(next)) {
    a.report(
      path,
      "TYPE_MISMATCH",
      `CASE branches must have one type: ${describeType(current)} vs ${describeType(next)}`,
    );
    return current;
  }
  return typeFamily(current) === "number" ? widerNumeric(current, next) : current;
}
