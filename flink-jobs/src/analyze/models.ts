import { type ModelSpec, modelOutputs, modelQueryParts } from "../models.ts";
import type { SpecPath } from "../problems.ts";
import { typeFamily } from "../sql-types.ts";
import type { AnalysisState } from "./state.ts";
import { type ColumnInfo, derivedRelation, describeType, type Relation } from "./types.ts";

/**
 * Resolves a model node on first use: its input (append-only, known columns), key, time
 * attribute, numeric label/features/value, and the columns of the view it compiles to
 * (carried columns, then the function's result). Records the view in the creation order.
 */
export function resolveModel(a: AnalysisState, model: ModelSpec, index: number): Relation | undefined {
  const existing = a.relations.get(model.name);
  if (existing !== undefined) return existing;
  const path: SpecPath = ["models", index];
  const relation = derivedRelation(model.name, "model", {
    columns: null,
    canRead: true,
    hasWatermark: false,
  });
  a.relations.set(model.name, relation);
  const columns = inputColumns(a, model, path);
  if (columns === undefined) return relation;
  const find = (name: string, at: SpecPath) => a.inputColumn(model.input, columns, name, at);
  model.key.forEach((k, i) => {
    find(k, [...path, "key", i]);
  });
  checkTime(a, find(model.time, [...path, "time"]), [...path, "time"]);
  checkInputs(a, model, find, path);
  const carried = (model.carry ?? columns.map((c) => c.name))
    .map((name, i) => find(name, [...path, "carry", i]))
    .filter((c): c is ColumnInfo => c !== undefined);
  relation.columns = viewColumns(a, model, carried, path);
  relation.hasWatermark = carried.some((c) => c.time === "rowtime");
  const typeOf = (name: string) => columns.find((c) => c.name === name)?.type ?? null;
  const parts = modelQueryParts(
    model,
    carried.map((c) => c.name),
    typeOf,
  );
  a.viewOrder.push({ name: model.name, query: { kind: "raw", parts } });
  return relation;
}

/** The input's columns, when it can feed a model: readable, known columns, append-only. */
function inputColumns(a: AnalysisState, model: ModelSpec, path: SpecPath): ColumnInfo[] | undefined {
  const input = a.readable(model.input, [...path, "input"]);
  if (input === undefined) return undefined;
  if (input.columns === null) {
    a.report(
      [...path, "input"],
      "UNKNOWN_COLUMNS",
      `the columns of \`${model.input}\` are unknown (a raw query); learn from a table or a structured view`,
    );
    return undefined;
  }
  if (input.producesUpdates) {
    a.report(
      [...path, "input"],
      "MODEL_NEEDS_APPEND_ONLY",
      `\`${model.input}\` produces updates; a model learns each row once, so its input must be append-only`,
    );
  }
  return input.columns;
}

/** The carried columns, then the function's result columns; reports a name both have. */
function viewColumns(
  a: AnalysisState,
  model: ModelSpec,
  carried: ColumnInfo[],
  path: SpecPath,
): ColumnInfo[] {
  const outputs = modelOutputs(model.function);
  const clash = carried.find((c) => outputs.some((o) => o.name === c.name));
  if (clash !== undefined) {
    a.report(
      model.carry === undefined ? [...path, "input"] : [...path, "carry", carried.indexOf(clash)],
      "MODEL_OUTPUT_CONFLICT",
      `carried column \`${clash.name}\` has the name of a result column of the model (${outputs.map((o) => o.name).join(", ")}); carry a view that renames it`,
    );
  }
  return [...carried, ...outputs.map((o) => ({ name: o.name, type: o.type }))];
}

function checkTime(a: AnalysisState, time: ColumnInfo | undefined, path: SpecPath): void {
  if (time !== undefined && time.time === undefined) {
    a.report(
      path,
      "OVER_ORDER_NOT_TIME_ATTRIBUTE",
      `a model learns rows in time order: \`${time.name}\` must be a time attribute (a watermarked column or PROCTIME())`,
    );
  }
}

/** The label, features or value must be numbers (a logistic label may be a BOOLEAN). */
function checkInputs(
  a: AnalysisState,
  model: ModelSpec,
  find: (name: string, at: SpecPath) => ColumnInfo | undefined,
  path: SpecPath,
): void {
  const fn = model.function;
  const numeric = (name: string, at: SpecPath, allowBoolean = false) => {
    const column = find(name, at);
    if (column === undefined || column.type === null) return;
    const family = typeFamily(column.type);
    if (family === "number" || (allowBoolean && family === "boolean")) return;
    a.report(
      at,
      "MODEL_COLUMN_NOT_NUMERIC",
      `\`${name}\` is ${describeType(column.type)}; the model reads numbers${allowBoolean ? " (or a BOOLEAN label)" : ""}`,
    );
  };
  const fnPath = [...path, "function"];
  if (fn.kind === "linearRegression" || fn.kind === "logisticRegression") {
    numeric(fn.label, [...fnPath, "label"], fn.kind === "logisticRegression");
    fn.features.forEach((f, i) => {
      numeric(f, [...fnPath, "features", i]);
    });
  } else {
    numeric(fn.value, [...fnPath, "value"]);
  }
}
