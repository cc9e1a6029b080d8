import { describe, expect, it } from "vitest";
import { describeOperator } from "./operators.ts";
import { ExplainCache, predictUpgrade } from "./predict.ts";
import type { StreamNode } from "./stream-graph.ts";
import { predictStateCompatibility, type StateFate, type StateVerdict } from "./verdict.ts";

const node = (operatorId: string, description: string): StreamNode => ({
  nodeId: 0,
  operatorId,
  description,
  parallelism: 1,
  chainHead: false,
});

const SOURCE = node(
  "a1",
  "TableSourceScan(table=[[default_catalog, default_database, orders]], fields=[user_id, day, amount])",
);
const CALC = node("a2", "Calc(select=[user_id, amount], where=[(amount > 10)])");
const AGG = node("a3", "GroupAggregate(groupBy=[user_id], select=[user_id, SUM(amount) AS total])");
const WRITER = node("a4", "totals: Writer");
const BASE = [SOURCE, CALC, AGG, WRITER];
const WINDOW = node(
  "w1",
  "WindowAggregate(groupBy=[user_id], window=[TUMBLE(time_col=[ts], size=[1 h])], select=[user_id, SUM(amount) AS total, start('w$) AS window_start])",
);
const OVER = node(
  "o1",
  "OverAggregate(partitionBy=[device_id], orderBy=[ts ASC], window=[ ROWS BETWEEN 19 PRECEDING AND CURRENT ROW], select=[device_id, ts, temperature, AVG(temperature) AS w0$o0])",
);
const JOIN = node(
  "j1",
  "Join(joinType=[InnerJoin], where=[(product_id = product_id0)], select=[click_id, product_id, product_id0, name], leftInputSpec=[NoUniqueKey], rightInputSpec=[NoUniqueKey])",
);

const swap = (graph: StreamNode[], from: StreamNode, to: StreamNode) =>
  graph.map((n) => (n === from ? to : n));
const redefine = (n: StreamNode, description: string) => ({ ...n, description });

const cases: Array<[string, StreamNode[], StreamNode[], StateVerdict, Array<[StateFate, RegExp?]>]> = [
  ["the same graph", BASE, BASE, "compatible", [["kept"], ["kept"], ["kept"]]],
  [
    "a stateless filter changed",
    BASE,
    swap(BASE, CALC, redefine(CALC, "Calc(select=[user_id, amount], where=[(amount > 20)])")),
    "compatible",
    [["kept"], ["kept"], ["kept"]],
  ],
  [
    "the GROUP BY key changed",
    BASE,
    swap(
      BASE,
      AGG,
      redefine(AGG, "GroupAggregate(groupBy=[user_id, day], select=[user_id, day, SUM(amount) AS total])"),
    ),
    "incompatible",
    [
      ["kept"],
      [
        "cannot-be-restored",
        /the GROUP BY key changed from `user_id` to `user_id, day`: the running totals cannot be kept/,
      ],
      ["kept"],
    ],
  ],
  [
    "an aggregate added",
    BASE,
    swap(
      BASE,
      AGG,
      redefine(
        AGG,
        "GroupAggregate(groupBy=[user_id], select=[user_id, SUM(amount) AS total, MAX(amount) AS top])",
      ),
    ),
    "incompatible",
    [
      ["kept"],
      ["cannot-be-restored", /aggregates changed from `SUM\(amount\)` to `SUM\(amount\), MAX\(amount\)`/],
      ["kept"],
    ],
  ],
  [
    "an output renamed only",
    BASE,
    swap(
      BASE,
      AGG,
      redefine(AGG, "GroupAggregate(groupBy=[user_id], select=[user_id, SUM(amount) AS sum_amount])"),
    ),
    "compatible",
    [["kept"], ["kept"], ["kept"]],
  ],
  [
    "the aggregate moved to a new operator id",
    BASE,
    swap(BASE, AGG, { ...AGG, operatorId: "b3" }),
    "compatible-with-state-loss",
    [["kept"], ["dropped", /changed shape/], ["kept"]],
  ],
  [
    "the aggregate removed",
    BASE,
    BASE.filter((n) => n !== AGG),
    "compatible-with-state-loss",
    [["kept"], ["dropped", /not in the new version/], ["kept"]],
  ],
  [
    "another kind of operator took the id",
    BASE,
    swap(BASE, AGG, redefine(AGG, "Deduplicate(keep=[FirstRow], key=[user_id], order=[PROCTIME])")),
    "unknown",
    [["kept"], ["unknown", /GroupAggregate to a Deduplicate/], ["kept"]],
  ],
  [
    "the source table renamed",
    BASE,
    swap(
      BASE,
      SOURCE,
      redefine(
        SOURCE,
        "TableSourceScan(table=[[default_catalog, default_database, orders2]], fields=[user_id, day, amount])",
      ),
    ),
    "compatible",
    [["kept", /stored for orders are kept and used for orders2/], ["kept"], ["kept"]],
  ],
  [
    "the window size changed",
    [WINDOW],
    [redefine(WINDOW, WINDOW.description.replace("1 h", "2 h"))],
    "compatible",
    [["kept", /keep the bounds they had/]],
  ],
  [
    "a tumbling window became a session window",
    [WINDOW],
    [
      redefine(
        WINDOW,
        WINDOW.description.replace(
          "TUMBLE(time_col=[ts], size=[1 h])",
          "SESSION(time_col=[ts], gap=[10 min])",
        ),
      ),
    ],
    "incompatible",
    [["cannot-be-restored", /session windows/]],
  ],
  [
    "the OVER frame longer",
    [OVER],
    [redefine(OVER, OVER.description.replace("19", "49"))],
    "compatible",
    [["kept"]],
  ],
  [
    "the OVER frame unbounded",
    [OVER],
    [redefine(OVER, OVER.description.replace("19 PRECEDING", "UNBOUNDED PRECEDING"))],
    "unknown",
    [["unknown"]],
  ],
  [
    "a column added to the OVER window",
    [OVER],
    [redefine(OVER, OVER.description.replace("temperature, AVG", "temperature, humidity, AVG"))],
    "incompatible",
    [["cannot-be-restored", /different shape/]],
  ],
  [
    "a condition added to the join, same keys",
    [JOIN],
    [
      redefine(
        JOIN,
        JOIN.description.replace(
          "(product_id = product_id0)",
          "AND((product_id = product_id0), (click_id <> ''))",
        ),
      ),
    ],
    "compatible",
    [["kept", /same join keys \(product_id = product_id0\)/]],
  ],
  [
    "the join keys changed",
    [JOIN],
    [redefine(JOIN, JOIN.description.replace("(product_id = product_id0)", "(click_id = product_id0)"))],
    "incompatible",
    [["cannot-be-restored", /join keys changed from `product_id = product_id0` to `click_id = product_id0`/]],
  ],
  [
    "a GROUP BY key added to a global aggregate",
    [node("g1", "GroupAggregate(select=[COUNT(*) AS n])")],
    [node("g1", "GroupAggregate(groupBy=[day], select=[day, COUNT(*) AS n])")],
    "incompatible",
    [["cannot-be-restored", /GROUP BY key changed from \(none\) to `day`/]],
  ],
];

describe("predictStateCompatibility", () => {
  it.each(cases)("%s", (_name, previous, next, verdict, fates) => {
    const result = predictStateCompatibility(previous, next);
    expect(result.verdict).toBe(verdict);
    expect(result.operators.map((o) => o.fate)).toEqual(fates.map(([fate]) => fate));
    fates.forEach(([, reason], i) => {
      if (reason) expect(result.operators[i]?.reason).toMatch(reason);
    });
  });

  it("lists stateful operators only the new version has", () => {
    const result = predictStateCompatibility(BASE, [...BASE, WINDOW]);
    expect(result.added).toEqual([
      { operatorId: "w1", operator: expect.stringContaining("window aggregate") },
    ]);
    expect(result.verdict).toBe("compatible");
  });
});

describe("describeOperator", () => {
  it.each([
    ["orders_out: Writer", { kind: "Writer", role: "sink", table: "orders_out" }],
    ["Calc(select=[a])", { kind: "Calc", role: "stateless" }],
    ["SomethingNew(x=[1])", { kind: "SomethingNew", role: "unrecognised" }],
    [SOURCE.description, { kind: "TableSourceScan", role: "source", table: "orders" }],
  ])("%s", (description, expected) => {
    expect(describeOperator(description)).toMatchObject(expected);
  });

  it("reads nested arguments", () => {
    expect(describeOperator(WINDOW.description).args).toMatchObject({
      groupBy: "user_id",
      window: "TUMBLE(time_col=[ts], size=[1 h])",
    });
  });
});

describe("ExplainCache", () => {
  it("plans the same statements once", async () => {
    const cache = new ExplainCache(2);
    let calls = 0;
    const explain = async () => `plan ${++calls}`;
    expect(await cache.get("a", explain)).toBe("plan 1");
    expect(await cache.get("a", explain)).toBe("plan 1");
    await cache.get("b", explain);
    await cache.get("c", explain);
    expect(await cache.get("a", explain)).toBe("plan 4");
  });
});

describe("predictUpgrade", () => {
  it("is unknown, with the reason, when Flink cannot plan a version", async () => {
    const result = await predictUpgrade(async (version) => {
      if (version === "next") throw new Error("Statement 3 of 4: Object 'x' not found");
      return '== Physical Execution Plan ==\n{ "nodes": [] }';
    });
    expect(result).toMatchObject({ verdict: "unknown", operators: [] });
    expect(result.summary).toMatch(/Object 'x' not found/);
  });

  it("is unknown when the plan has no JSON execution plan", async () => {
    const result = await predictUpgrade(async () => "== Optimized Execution Plan ==\nSink(...)");
    expect(result.verdict).toBe("unknown");
    expect(result.summary).toMatch(/no JSON execution plan/);
  });
});
