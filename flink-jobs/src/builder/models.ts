import type { ModelFunction, ModelSpec } from "../models.ts";
import { keptFamilies, namedRelation, type Relation } from "./relations.ts";
import type { AnyRow, Ex } from "./types.ts";

/** Columns of `R` whose values are numbers. */
type NumberColumn<R extends AnyRow> = {
  [K in keyof R]: R[K] extends Ex<"number", unknown> ? K : never;
}[keyof R] &
  string;
/** Columns of `R` that can order a model's rows (timestamps; validation checks they are time attributes). */
type TimeColumn<R extends AnyRow> = {
  [K in keyof R]: R[K] extends Ex<"timestamp", unknown> ? K : never;
}[keyof R] &
  string;

type Params<K extends ModelFunction["kind"]> = NonNullable<Extract<ModelFunction, { kind: K }>["params"]>;
/** Hyper-parameters of the linear and logistic models (ranges checked by the spec schema). */
export type RegressionParams = Params<"linearRegression">;
export type EwmaParams = Params<"ewmaZScore">;
export type RobustParams = Params<"robustZScore">;
export type ForecasterParams = Params<"arForecaster">;

/** The function of a model, built by {@link linearRegression}, {@link ewmaZScore}, ... */
export interface ModelFunctionDef<R extends AnyRow, Out extends AnyRow> {
  readonly spec: ModelFunction;
  /** Phantom: the row the function reads and the columns it adds. */
  readonly _types?: { input: R; output: Out };
}

type RegressionOut = {
  prediction: Ex<"number">;
  intercept: Ex<"number">;
  updates: Ex<"number">;
  skipped: Ex<"number">;
};
/** `weights` exists only with `coefficients: true`. */
type WithWeights<P> = P extends { coefficients: true } ? { weights: Ex<"array", "number"> } : unknown;
type DetectorOut = {
  expected: Ex<"number">;
  spread: Ex<"number">;
  zscore: Ex<"number">;
  anomaly: Ex<"boolean">;
  n: Ex<"number">;
  skipped: Ex<"number">;
};

/**
 * Online linear regression by SGD with L2 (squared loss, River's `LinearRegression`).
 *
 * @example
 * linearRegression<Row>({ label: "temperature", features: ["humidity"], params: { eta0: 0.01 } })
 * // SLUICE_LINEAR_REGRESSION(`temperature`, 'eta0=0.01', CAST(`humidity` AS DOUBLE)) OVER (...)
 */
export function linearRegression<
  R extends AnyRow,
  const P extends RegressionParams = RegressionParams,
>(options: {
  label: NumberColumn<R>;
  features: NumberColumn<R>[];
  params?: P;
}): ModelFunctionDef<R, RegressionOut & WithWeights<P>> {
  return { spec: { kind: "linearRegression", ...options } };
}

/** Online logistic regression by SGD with L2 (log loss); `prediction` is P(label = 1). */
export function logisticRegression<
  R extends AnyRow,
  const P extends RegressionParams = RegressionParams,
>(options: {
  label: NumberColumn<R> | { [K in keyof R]: R[K] extends Ex<"boolean", unknown> ? K : never }[keyof R];
  features: NumberColumn<R>[];
  params?: P;
}): ModelFunctionDef<R, RegressionOut & WithWeights<P>> {
  return { spec: { kind: "logisticRegression", ...options, label: options.label as string } };
}

/** EWMA mean/variance z-score of one series per key. */
export function ewmaZScore<R extends AnyRow>(options: {
  value: NumberColumn<R>;
  params?: EwmaParams;
}): ModelFunctionDef<R, DetectorOut> {
  return { spec: { kind: "ewmaZScore", ...options } };
}

/** Robust z-score: median and MAD over the last `window` values. */
export function robustZScore<R extends AnyRow>(options: {
  value: NumberColumn<R>;
  params?: RobustParams;
}): ModelFunctionDef<R, DetectorOut> {
  return { spec: { kind: "robustZScore", ...options } };
}

/** One-step-ahead AR(p) forecaster by SGD; its residual's z-score flags anomalies. */
export function arForecaster<R extends AnyRow>(options: {
  value: NumberColumn<R>;
  params?: ForecasterParams;
}): ModelFunctionDef<R, DetectorOut> {
  return { spec: { kind: "arForecaster", ...options } };
}

export interface Model<N extends string, R extends AnyRow> extends Relation<N, R> {
  toSpec(): ModelSpec;
}

/**
 * A model over a relation: one model per `key`, learning rows in `time` order. Reads like a
 * view with the input's columns (or `carry`) and the function's result columns.
 *
 * @example
 * const forecasts = model("sensor_forecasts", readings, {
 *   key: ["device_id"], time: "timestamp",
 *   fn: arForecaster({ value: "temperature", params: { order: 8 } }),
 * });
 * from(forecasts).where((r) => r.anomaly).select(...)
 */
export function model<N extends string, R extends AnyRow, Out extends AnyRow, C extends keyof R = keyof R>(
  name: N,
  input: Relation<string, R>,
  options: {
    key: readonly (keyof R & string)[];
    time: TimeColumn<R>;
    fn: ModelFunctionDef<R, Out>;
    carry?: (C & string)[];
    description?: string;
  },
): Model<N, Pick<R, C> & Out> {
  const inputRow = input.row();
  const keep = new Set<string>(options.carry ?? Object.keys(inputRow));
  const families = keptFamilies(inputRow, keep);
  const fn = options.fn.spec;
  const outputs =
    "features" in fn
      ? ["prediction", "intercept", "updates", "skipped"]
      : ["expected", "spread", "zscore", "n", "skipped"];
  for (const o of outputs) families[o] = { family: "number" };
  if ("features" in fn && fn.params?.coefficients === true)
    families.weights = { family: "array", element: "number" };
  if (!("features" in fn)) families.anomaly = { family: "boolean" };
  return {
    ...namedRelation<N, Pick<R, C> & Out>(name, families),
    toSpec: () => ({
      name,
      description: options.description,
      input: input.name,
      key: [...options.key],
      time: options.time,
      carry: options.carry,
      function: fn,
    }),
  };
}
