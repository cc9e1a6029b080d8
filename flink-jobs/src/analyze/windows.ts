import type { SpecPath } from "../problems.ts";
import type { From } from "../query.ts";
import type { AnalysisState } from "./state.ts";
import { type ColumnInfo, type Scope, seconds, TIMESTAMP3 } from "./types.ts";

const WINDOW_COLUMNS = ["window_start", "window_end", "window_time"];

type WindowFrom = Extract<From, { kind: "window" }>;

/** The scope of a windowing table-valued function: the table's columns plus window_start/end/time. */
export function windowScope(a: AnalysisState, f: WindowFrom, path: SpecPath): Scope {
  const relation = a.readable(f.table, [...path, "table"]);
  checkWindowSize(a, f, path);
  if (relation === undefined || relation.columns === null)
    return [{ qualifier: f.as ?? f.table, columns: null }];
  const columns = relation.columns;
  const time = columns.find((c) => c.name === f.timeColumn);
  if (time === undefined) {
    a.report(
      [...path, "timeColumn"],
      "UNKNOWN_COLUMN",
      `\`${f.timeColumn}\` is not a column of \`${f.table}\``,
    );
  } else if (time.time === undefined) {
    a.report(
      [...path, "timeColumn"],
      "WINDOW_NOT_TIME_ATTRIBUTE",
      `windows need a time attribute: \`${f.timeColumn}\` has no watermark and is not PROCTIME(); declare \`watermark: { column: "${f.timeColumn}", ... }\` on \`${f.table}\``,
    );
  }
  checkWindowColumns(a, f, columns, path);
  const timeType = time?.type ?? TIMESTAMP3;
  return [
    {
      qualifier: f.as ?? f.table,
      columns: [
        // The windowed table's original time column becomes a plain timestamp.
        ...columns.map((c) => ({ name: c.name, type: c.type })),
        { name: "window_start", type: TIMESTAMP3 },
        { name: "window_end", type: TIMESTAMP3 },
        { name: "window_time", type: timeType, time: time?.time ?? "rowtime" },
      ],
    },
  ];
}

function checkWindowSize(a: AnalysisState, f: WindowFrom, path: SpecPath): void {
  const w = f.window;
  if (w.kind === "hop" && seconds(w.size) % Math.max(1, seconds(w.slide)) !== 0) {
    a.report(
      [...path, "window", "size"],
      "WINDOW_SIZE_NOT_MULTIPLE",
      "a HOP window's size must be a whole multiple of its slide",
    );
  }
  if (w.kind === "cumulate" && seconds(w.size) % Math.max(1, seconds(w.step)) !== 0) {
    a.report(
      [...path, "window", "size"],
      "WINDOW_SIZE_NOT_MULTIPLE",
      "a CUMULATE window's size must be a whole multiple of its step",
    );
  }
}

/** Session partition columns exist; the table does not already have the columns the window adds. */
function checkWindowColumns(a: AnalysisState, f: WindowFrom, columns: ColumnInfo[], path: SpecPath): void {
  if (f.window.kind === "session") {
    (f.window.partitionBy ?? []).forEach((name, i) => {
      if (!columns.some((c) => c.name === name)) {
        a.report(
          [...path, "window", "partitionBy", i],
          "UNKNOWN_COLUMN",
          `\`${name}\` is not a column of \`${f.table}\``,
        );
      }
    });
  }
  for (const name of WINDOW_COLUMNS) {
    if (columns.some((c) => c.name === name)) {
      a.report(
        [...path, "table"],
        "DUPLICATE_COLUMN",
        `\`${f.table}\` already has a column \`${name}\`, which the window adds`,
      );
    }
  }
}
