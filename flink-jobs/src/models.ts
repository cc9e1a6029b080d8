import { z } from "zod";
import { identifierSchema } from "./identifiers.ts";
import type { RawPart } from "./query.ts";
import { quoteIdentifier } from "./sql-text.ts";
import type { SqlType } from "./sql-types.ts";

/**
 * Online models and adaptive detectors that run inside Flink: the JVM functions of
 * `flink-jobs/functions` (docs/ARCHITECTURE.md, "Functions inside Flink (JVM)"), used as
 * aggregate functions over an OVER window per key, ordered by time, from the first row
 * (`ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`). Each row gets the result computed
 * from the rows before it (progressive validation), then the model learns from it; the
 * model is Flink state, so savepoints carry it across stops and upgrades.
 */

/** The secret-like placeholder the jar path compiles to: `'${secret:FUNCTIONS_JAR}'`, resolved at submission. */
export const FUNCTIONS_JAR_SECRET = "FUNCTIONS_JAR";

const learningRate = {
  /** Initial learning rate η₀ (River's `optim.SGD(lr)`; default 0.01). */
  eta0: z.number().gt(0).max(10).optional(),
  /** `constant` η = eta0, or `invscaling` η_t = eta0 / (t + 1)^power_t (default constant). */
  schedule: z.enum(["constant", "invscaling"]).optional(),
  /** Exponent of `invscaling` (default 0.5). */
  powerT: z.number().min(0).max(2).optional(),
  /** L2 decay λ: wᵢ ← wᵢ − η(g·xᵢ + λ·wᵢ) (default 0). */
  l2: z.number().min(0).max(100).optional(),
  /** Bound on |∂ℓ/∂margin| (default 1e12). */
  clip: z.number().gt(0).max(1e300).optional(),
};

const detection = {
  /** |z| above this flags an anomaly. */
  threshold: z.number().gt(0).max(1000).optional(),
  /** Rows scored before any is flagged. */
  warmup: z.int().min(0).max(1_000_000).optional(),
};

const regressionParams = z.strictObject({
  ...learningRate,
  /** Learning rate of the intercept, constant (default 0.01). */
  interceptLr: z.number().min(0).max(10).optional(),
  /** Standardise each feature by its running (Welford) mean and variance (default false). */
  standardize: z.boolean().optional(),
  /** Also return the intercept's and weights' values in `intercept` and `weights` (default false). */
  coefficients: z.boolean().optional(),
});

const regression = <K extends string>(kind: K) =>
  z.strictObject({
    kind: z.literal(kind),
    /** The column the model learns to predict; NULL only predicts. */
    label: identifierSchema,
    /** Feature columns, in the order the weights take. */
    features: z.array(identifierSchema).min(1).max(100),
    params: regressionParams.optional(),
  });

const detector = <K extends string, P extends z.core.$ZodLooseShape>(kind: K, params: P) =>
  z.strictObject({
    kind: z.literal(kind),
    /** The series scored, per key. */
    value: identifierSchema,
    params: z.strictObject({ ...detection, ...params }).optional(),
  });

export const modelFunctionSchema = z.discriminatedUnion("kind", [
  regression("linearRegression"),
  regression("logisticRegression"),
  detector("ewmaZScore", { alpha: z.number().gt(0).max(1).optional() }),
  detector("robustZScore", { window: z.int().min(3).max(10_000).optional() }),
  detector("arForecaster", {
    ...learningRate,
    order: z.int().min(1).max(64).optional(),
    /** Smoothing of the residuals' mean and variance (default 0.05). */
    alpha: z.number().gt(0).max(1).optional(),
  }),
]);
export type ModelFunction = z.infer<typeof modelFunctionSchema>;
export type ModelFunctionKind = ModelFunction["kind"];

/**
 * A model node: compiles to the function's registration and a view `<name>` with the input's
 * columns (or `carry`) and the function's result columns.
 */
export const modelSchema = z.strictObject({
  name: identifierSchema,
  description: z.string().max(2000).optional(),
  /** The table, view or enrichment output whose rows the model reads (append-only). */
  input: identifierSchema,
  /** One model per key (PARTITION BY); empty for one model over the whole stream. */
  key: z.array(identifierSchema).max(10).default([]),
  /** The order rows are learnt in: a time attribute (event or processing time) of the input. */
  time: identifierSchema,
  /** Input columns passed through; defaults to all of them. */
  carry: z.array(identifierSchema).min(1).optional(),
  function: modelFunctionSchema,
});
export type ModelSpec = z.output<typeof modelSchema>;

interface FunctionInfo {
  sqlName: string;
  className: string;
  outputs: { name: string; type: SqlType }[];
}

const DOUBLE: SqlType = { kind: "DOUBLE" };
const BIGINT: SqlType = { kind: "BIGINT" };
const REGRESSION_OUTPUTS = [
  { name: "prediction", type: DOUBLE },
  { name: "intercept", type: DOUBLE },
  { name: "weights", type: { kind: "ARRAY", element: DOUBLE } as SqlType },
  { name: "updates", type: BIGINT },
  { name: "skipped", type: BIGINT },
];
const DETECTOR_OUTPUTS = [
  { name: "expected", type: DOUBLE },
  { name: "spread", type: DOUBLE },
  { name: "zscore", type: DOUBLE },
  { name: "anomaly", type: { kind: "BOOLEAN" } as SqlType },
  { name: "n", type: BIGINT },
  { name: "skipped", type: BIGINT },
];

/** The JVM class and SQL name of each function, and its result ROW's fields. */
export const MODEL_FUNCTIONS: Readonly<Record<ModelFunctionKind, FunctionInfo>> = Object.freeze({
  linearRegression: {
    sqlName: "SLUICE_LINEAR_REGRESSION",
    className: "dev.sluice.functions.learn.OnlineLinearRegression",
    outputs: REGRESSION_OUTPUTS,
  },
  logisticRegression: {
    sqlName: "SLUICE_LOGISTIC_REGRESSION",
    className: "dev.sluice.functions.learn.OnlineLogisticRegression",
    outputs: REGRESSION_OUTPUTS,
  },
  ewmaZScore: {
    sqlName: "SLUICE_EWMA_ZSCORE",
    className: "dev.sluice.functions.detect.EwmaZScore",
    outputs: DETECTOR_OUTPUTS,
  },
  robustZScore: {
    sqlName: "SLUICE_ROBUST_ZSCORE",
    className: "dev.sluice.functions.detect.RobustZScore",
    outputs: DETECTOR_OUTPUTS,
  },
  arForecaster: {
    sqlName: "SLUICE_AR_FORECASTER",
    className: "dev.sluice.functions.detect.ArForecaster",
    outputs: DETECTOR_OUTPUTS,
  },
});

/** The result columns a model view adds (the weights only when `coefficients` is on). */
export function modelOutputs(fn: ModelFunction): { name: string; type: SqlType }[] {
  const outputs = MODEL_FUNCTIONS[fn.kind].outputs;
  const withWeights = "features" in fn && fn.params?.coefficients === true;
  return withWeights ? outputs : outputs.filter((o) => o.name !== "weights");
}

/** The function's parameter keys as the JVM side spells them (River's names). */
const PARAM_KEYS: Readonly<Record<string, string>> = {
  powerT: "power_t",
  interceptLr: "intercept_lr",
};

/**
 * The hyper-parameter literal the function parses: `'eta0=0.05, l2=0.001'` (only the keys
 * given; the functions' defaults are River's).
 */
export function renderParams(fn: ModelFunction): string {
  const entries = Object.entries(fn.params ?? {}).filter(([, v]) => v !== undefined);
  return `'${entries.map(([k, v]) => `${PARAM_KEYS[k] ?? k}=${String(v)}`).join(", ")}'`;
}

/**
 * `CREATE TEMPORARY FUNCTION IF NOT EXISTS ... USING JAR '${secret:FUNCTIONS_JAR}'`: the jar
 * path is resolved at submission like a secret, so stored SQL names no machine's path.
 */
export function renderRegistration(kind: ModelFunctionKind): string {
  const { sqlName, className } = MODEL_FUNCTIONS[kind];
  return `CREATE TEMPORARY FUNCTION IF NOT EXISTS ${sqlName} AS '${className}' LANGUAGE JAVA USING JAR '\${secret:${FUNCTIONS_JAR_SECRET}}'`;
}

/** A column as the function's DOUBLE argument (a BOOLEAN label as 1.0 / 0.0). */
function asDouble(column: string, type: SqlType | null): string {
  const quoted = quoteIdentifier(column);
  if (type?.kind === "BOOLEAN") return `CASE WHEN ${quoted} THEN 1.0 WHEN NOT ${quoted} THEN 0.0 END`;
  return type?.kind === "DOUBLE" ? quoted : `CAST(${quoted} AS DOUBLE)`;
}

const RESULT = "sluice_result";

/**
 * The SELECT of a model view as raw query parts: the carried columns and the result's fields,
 * over a subquery that calls the function once per row.
 *
 * @example
 * // SELECT `device_id`, `timestamp`, `temperature`, `sluice_result`.`expected` AS `expected`, ...
 * // FROM (SELECT `device_id`, `timestamp`, `temperature`, SLUICE_EWMA_ZSCORE(`temperature`, 'alpha=0.05')
 * //   OVER (PARTITION BY `device_id` ORDER BY `timestamp` ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 * //   AS `sluice_result` FROM `sensor_data`)
 */
export function modelQueryParts(
  model: ModelSpec,
  carried: string[],
  typeOf: (column: string) => SqlType | null,
): RawPart[] {
  const fn = model.function;
  const args =
    "features" in fn
      ? [fn.label, ...fn.features].map((c) => asDouble(c, typeOf(c)))
      : [asDouble(fn.value, typeOf(fn.value))];
  const [first, ...rest] = args;
  const call = `${MODEL_FUNCTIONS[fn.kind].sqlName}(${[first, renderParams(fn), ...rest].join(", ")})`;
  const partition =
    model.key.length === 0 ? "" : `PARTITION BY ${model.key.map(quoteIdentifier).join(", ")} `;
  const over = `OVER (${partition}ORDER BY ${quoteIdentifier(model.time)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const columns = carried.map(quoteIdentifier);
  const outputs = modelOutputs(fn).map(
    (o) => `${quoteIdentifier(RESULT)}.${quoteIdentifier(o.name)} AS ${quoteIdentifier(o.name)}`,
  );
  const inner = [...columns, `${call} ${over} AS ${quoteIdentifier(RESULT)}`];
  return [
    `SELECT ${[...columns, ...outputs].join(", ")} FROM (SELECT ${inner.join(", ")} FROM `,
    { kind: "tableRef", name: model.input },
    ")",
  ];
}
