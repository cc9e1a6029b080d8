import { describe, expect, it } from "vitest";
import { baseSpec, col, deviceValue, readings, selectFrom, withInsert } from "../test/fixtures.ts";
import { compileJob } from "./compile.ts";
import { FUNCTIONS_JAR_SECRET, type ModelFunction } from "./models.ts";
import { resolveSecrets } from "./secrets.ts";
import type { JobSpec, JobSpecInput } from "./spec.ts";
import { validateJob } from "./validate.ts";

type ModelInput = NonNullable<JobSpecInput["models"]>[number];

const ewma = (overrides: Partial<ModelInput> = {}): ModelInput => ({
  name: "scored",
  input: "readings",
  key: ["device_id"],
  time: "ts",
  function: { kind: "ewmaZScore", value: "temperature", params: { alpha: 0.05, threshold: 4 } },
  ...overrides,
});

/** `SELECT device_id, <value> AS value FROM <from>` into `out`, with the models given. */
const specWith = (
  models: ModelInput[],
  value = "expected",
  from = "scored",
  views: JobSpecInput["views"] = [],
) =>
  withInsert(
    selectFrom({ kind: "table", name: from }, [
      { expr: col("device_id") },
      { expr: col(value), as: "value" },
    ]),
    {
      models,
      views,
    },
  );

const compile = (spec: JobSpecInput) => compileJob(spec as JobSpec);
const problemsOf = (spec: unknown) => {
  const result = validateJob(spec);
  return result.ok ? [] : result.problems.map((p) => ({ code: p.code, path: p.path }));
};

describe("models: golden SQL", () => {
  it("registers the function with the jar as a placeholder, then a view that calls it over an OVER window", () => {
    const statements = compile(specWith([ewma()])).statements;
    expect(statements.map((s) => s.kind)).toEqual([
      "create-function",
      "create-table",
      "create-table",
      "create-table",
      "create-view",
      "statement-set",
    ]);
    expect(statements[0]?.sql).toBe(
      "CREATE TEMPORARY FUNCTION IF NOT EXISTS SLUICE_EWMA_ZSCORE AS 'dev.sluice.functions.detect.EwmaZScore' LANGUAGE JAVA USING JAR '${secret:FUNCTIONS_JAR}'",
    );
    expect(statements[4]?.sql).toBe(
      "CREATE TEMPORARY VIEW `scored` AS SELECT `device_id`, `ts`, `temperature`, `tags`, `proc`, " +
        "`sluice_result`.`expected` AS `expected`, `sluice_result`.`spread` AS `spread`, `sluice_result`.`zscore` AS `zscore`, " +
        "`sluice_result`.`anomaly` AS `anomaly`, `sluice_result`.`n` AS `n`, `sluice_result`.`skipped` AS `skipped` " +
        "FROM (SELECT `device_id`, `ts`, `temperature`, `tags`, `proc`, SLUICE_EWMA_ZSCORE(`temperature`, 'threshold=4, alpha=0.05') " +
        "OVER (PARTITION BY `device_id` ORDER BY `ts` ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS `sluice_result` FROM `readings`)",
    );
    expect(statements[5]?.sql).toContain(
      "INSERT INTO `out` SELECT `device_id`, `expected` AS `value` FROM `scored`;",
    );
  });

  it("passes label and features as DOUBLE in order, hyper-parameters under River's names, weights only on request", () => {
    const fn: ModelFunction = {
      kind: "linearRegression",
      label: "temperature",
      features: ["temperature", "device_id_len"],
      params: {
        eta0: 0.05,
        schedule: "invscaling",
        powerT: 0.25,
        l2: 0.001,
        interceptLr: 0.1,
        standardize: true,
      },
    };
    const view = {
      name: "features",
      query: selectFrom(readings, [
        { expr: col("device_id") },
        { expr: col("ts") },
        { expr: col("temperature") },
        { expr: { kind: "call", fn: "CHAR_LENGTH", args: [col("device_id")] }, as: "device_id_len" },
      ]),
    };
    const model = ewma({ input: "features", carry: ["device_id", "ts"], function: fn });
    const sql = compile(specWith([model], "prediction", "scored", [view])).statements;
    const modelView = sql.find((s) => s.sql.startsWith("CREATE TEMPORARY VIEW `scored`"))?.sql ?? "";
    expect(modelView).toContain(
      "SLUICE_LINEAR_REGRESSION(`temperature`, 'eta0=0.05, schedule=invscaling, power_t=0.25, l2=0.001, intercept_lr=0.1, standardize=true', CAST(`device_id_len` AS DOUBLE))".replace(
        "CAST(`device_id_len`",
        "`temperature`, CAST(`device_id_len`",
      ),
    );
    expect(modelView).toContain("SELECT `device_id`, `ts`, `sluice_result`.`prediction` AS `prediction`, ");
    expect(modelView).not.toContain("weights");
    // The view it reads is created first.
    expect(sql.findIndex((s) => s.sql.includes("VIEW `features`"))).toBeLessThan(
      sql.indexOf(sql.find((s) => s.sql === modelView) as never),
    );
    const withWeights = { ...model, function: { ...fn, params: { coefficients: true } } };
    expect(
      compile(specWith([withWeights], "prediction", "scored", [view])).statements.some((s) =>
        s.sql.includes("`sluice_result`.`weights` AS `weights`"),
      ),
    ).toBe(true);
  });

  it("turns a BOOLEAN label of the logistic model into 1.0 / 0.0", () => {
    const spec = baseSpec({
      tables: [
        ...(baseSpec().tables ?? []).filter((t) => t.name !== "readings"),
        {
          name: "readings",
          columns: [
            { kind: "physical", name: "device_id", type: { kind: "STRING" } },
            { kind: "physical", name: "ts", type: { kind: "TIMESTAMP", precision: 3 } },
            { kind: "physical", name: "temperature", type: { kind: "DOUBLE" } },
            { kind: "physical", name: "failed", type: { kind: "BOOLEAN" } },
          ],
          watermark: { column: "ts", delay: { value: 5, unit: "SECOND" } },
          connector: { kind: "kafka", topic: "readings", format: { kind: "json" } },
        },
      ],
      models: [
        ewma({ function: { kind: "logisticRegression", label: "failed", features: ["temperature"] } }),
      ],
      inserts: [
        {
          into: "out",
          query: selectFrom({ kind: "table", name: "scored" }, [
            { expr: col("device_id") },
            { expr: col("prediction"), as: "value" },
          ]),
        },
      ],
    });
    expect(
      compile(spec)
        .statements.map((s) => s.sql)
        .join("\n"),
    ).toContain(
      "SLUICE_LOGISTIC_REGRESSION(CASE WHEN `failed` THEN 1.0 WHEN NOT `failed` THEN 0.0 END, '', `temperature`)",
    );
  });

  it("registers each function once, however many models use it", () => {
    const twice = specWith([ewma(), ewma({ name: "scored2", key: [] })]);
    const registrations = compile(twice).statements.filter((s) =>
      s.sql.startsWith("CREATE TEMPORARY FUNCTION"),
    );
    expect(registrations).toHaveLength(1);
  });

  it("never stores a machine path: the jar is a placeholder resolved at submission, like a secret", () => {
    const job = compile(specWith([ewma()]));
    expect(job.secretNames).toEqual([FUNCTIONS_JAR_SECRET]);
    const resolved = resolveSecrets(job.statements[0]?.sql ?? "", (n) =>
      n === "FUNCTIONS_JAR" ? "/opt/it's.jar" : undefined,
    );
    expect(resolved).toContain("USING JAR '/opt/it''s.jar'");
    expect(compile(withInsert(selectFrom(readings, deviceValue))).secretNames).toEqual([]);
  });
});

describe("models: validation with paths", () => {
  it("checks hyper-parameters against their ranges and names", () => {
    const at = (fn: unknown) => problemsOf(specWith([ewma({ function: fn as ModelFunction })]));
    expect(at({ kind: "ewmaZScore", value: "temperature", params: { alpha: 0 } })).toEqual([
      { code: "TOO_SMALL", path: ["models", 0, "function", "params", "alpha"] },
    ]);
    expect(at({ kind: "robustZScore", value: "temperature", params: { window: 2 } })).toEqual([
      { code: "TOO_SMALL", path: ["models", 0, "function", "params", "window"] },
    ]);
    expect(at({ kind: "arForecaster", value: "temperature", params: { order: 65 } })).toEqual([
      { code: "TOO_BIG", path: ["models", 0, "function", "params", "order"] },
    ]);
    expect(
      at({ kind: "linearRegression", label: "temperature", features: ["temperature"], params: { eta0: -1 } }),
    ).toEqual([{ code: "TOO_SMALL", path: ["models", 0, "function", "params", "eta0"] }]);
    expect(at({ kind: "ewmaZScore", value: "temperature", params: { window: 3 } })[0]).toEqual({
      code: "UNRECOGNIZED_KEYS",
      path: ["models", 0, "function", "params"],
    });
    expect(at({ kind: "linearRegression", label: "temperature", features: [] })).toEqual([
      { code: "TOO_SMALL", path: ["models", 0, "function", "features"] },
    ]);
  });

  it("resolves input, key, time, label and features against the input's columns", () => {
    expect(problemsOf(specWith([ewma({ input: "nope" })]))).toContainEqual({
      code: "UNKNOWN_TABLE",
      path: ["models", 0, "input"],
    });
    expect(problemsOf(specWith([ewma({ key: ["device"] })]))).toEqual([
      { code: "UNKNOWN_COLUMN", path: ["models", 0, "key", 0] },
    ]);
    expect(problemsOf(specWith([ewma({ time: "temperature" })]))).toEqual([
      { code: "OVER_ORDER_NOT_TIME_ATTRIBUTE", path: ["models", 0, "time"] },
    ]);
    expect(
      problemsOf(
        specWith(
          [
            ewma({
              function: { kind: "linearRegression", label: "temperature", features: ["temperature", "tags"] },
            }),
          ],
          "prediction",
        ),
      ),
    ).toEqual([{ code: "MODEL_COLUMN_NOT_NUMERIC", path: ["models", 0, "function", "features", 1] }]);
    // A processing-time attribute orders rows too.
    expect(problemsOf(specWith([ewma({ time: "proc" })]))).toEqual([]);
  });

  it("gives the model's view the function's result columns, checked where they are read", () => {
    expect(problemsOf(specWith([ewma()], "prediction"))).toEqual([
      { code: "UNKNOWN_COLUMN", path: ["inserts", 0, "query", "select", 1, "expr", "name"] },
    ]);
    expect(problemsOf(specWith([ewma()], "anomaly"))).toEqual([
      { code: "SINK_TYPE_MISMATCH", path: ["inserts", 0, "query", "select", 1] },
    ]);
    expect(problemsOf(specWith([ewma({ name: "readings" })], "expected", "readings"))).toContainEqual({
      code: "DUPLICATE_NAME",
      path: ["models", 0, "name"],
    });
  });
});
