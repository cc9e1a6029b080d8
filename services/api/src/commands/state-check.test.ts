import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import type { SubmitRequest } from "../flink/port.ts";

/**
 * The state check behind POST /v1/jobs/{name}/plan and PUT, on the fake Flink: its EXPLAIN
 * answers a hand-written stream graph chosen by the spec's rows-per-second, so each version has
 * the graph a test needs (the graphs' operator ids are computed as Flink computes them).
 */
let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

type PlanNode = { id: number; contents: string; predecessors?: Array<{ id: number; ship_strategy: string }> };
const graph = (nodes: PlanNode[]) =>
  `== Physical Execution Plan ==\n${JSON.stringify({ nodes: nodes.map((n) => ({ type: "x", parallelism: 1, ...n })) })}`;
const source = {
  id: 1,
  contents: "[1]:TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])",
};
const aggregate = (groupBy: string, from = 1) => ({
  id: 2,
  contents: `[2]:GroupAggregate(groupBy=[${groupBy}], select=[${groupBy}, COUNT(*) AS c])`,
  predecessors: [{ id: from, ship_strategy: "HASH" }],
});
const writer = { id: 3, contents: "snk[3]: Writer", predecessors: [{ id: 2, ship_strategy: "FORWARD" }] };

/** rows-per-second -> the version's graph. */
const GRAPHS: Record<string, string> = {
  "10": graph([source, aggregate("k"), writer]),
  "11": graph([source, aggregate("k"), writer]),
  "12": graph([source, aggregate("k, v"), writer]),
  // A filter before the aggregate: the graph changes shape, the aggregate gets a new operator id.
  "13": graph([
    source,
    {
      id: 4,
      contents: "[4]:Calc(select=[k], where=[(v > 1)])",
      predecessors: [{ id: 1, ship_strategy: "FORWARD" }],
    },
    aggregate("k", 4),
    writer,
  ]),
};

async function runningApp(name: string) {
  t = await testApp();
  t.flink.executionPlan = (request: SubmitRequest) => {
    const rate = /'rows-per-second' = '(\d+)'/.exec(request.statements.map((s) => s.sql).join("\n"))?.[1];
    return rate === undefined ? undefined : GRAPHS[rate];
  };
  const created = await t.app.inject({
    method: "POST",
    url: "/v1/jobs",
    headers: auth,
    payload: datagenSpec(name),
  });
  expect(created.statusCode).toBe(202);
  await t.tickUntil(() => t.flink.activeJobs(`sluice/${name}/v1`).some((j) => j.state === "RUNNING"));
  await t.tick();
}

const put = (url: string, rowsPerSecond: number) =>
  t.app.inject({ method: "PUT", url, headers: auth, payload: datagenSpec("orders", { rowsPerSecond }) });

describe("the state check", () => {
  it("POST /v1/jobs/{name}/plan answers the verdict per operator, storing and submitting nothing", async () => {
    await runningApp("orders");
    const submissions = t.flink.submissions.length;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/jobs/orders/plan",
      headers: auth,
      payload: datagenSpec("orders", { rowsPerSecond: 12 }),
    });
    expect(res.statusCode).toBe(200);
    const body = t.json(res);
    expect(body).toMatchObject({
      name: "orders",
      fromVersion: 1,
      change: "savepoint-upgrade",
      stateCompatibility: { verdict: "incompatible" },
    });
    const operators = (body.stateCompatibility as { operators: Array<{ fate: string; reason: string }> })
      .operators;
    expect(operators.map((o) => o.fate)).toEqual(["kept", "cannot-be-restored", "kept"]);
    expect(operators[1]?.reason).toBe(
      "the GROUP BY key changed from `k` to `k, v`: the running totals cannot be kept",
    );
    expect(t.store.listVersions("orders")).toHaveLength(1);
    expect(t.flink.submissions).toHaveLength(submissions);
  });

  it("PUT refuses an incompatible upgrade with 409 and the verdict, unless stateless", async () => {
    await runningApp("orders");
    const refused = await put("/v1/jobs/orders", 12);
    expect(refused.statusCode).toBe(409);
    expect(t.json(refused)).toMatchObject({
      code: "STATE_INCOMPATIBLE",
      stateCompatibility: { verdict: "incompatible" },
    });
    expect(t.json(refused).detail).toContain("the GROUP BY key changed");
    expect(t.store.listVersions("orders")).toHaveLength(1);
    expect((await put("/v1/jobs/orders?stateless=true", 12)).statusCode).toBe(202);
  });

  it("PUT needs allowStateLoss to drop state, then submits with ignore-unclaimed-state", async () => {
    await runningApp("orders");
    const refused = await put("/v1/jobs/orders", 13);
    expect(refused.statusCode).toBe(409);
    expect(t.json(refused)).toMatchObject({
      code: "STATE_LOSS_NOT_ALLOWED",
      stateCompatibility: { verdict: "compatible-with-state-loss" },
    });
    expect((await put("/v1/jobs/orders?allowStateLoss=true", 13)).statusCode).toBe(202);
    await t.tickUntil(() => t.store.activeOperation("orders") === undefined);
    const last = t.flink.submissions.at(-1)?.settings;
    expect(last?.["pipeline.name"]).toBe("sluice/orders/v2");
    expect(last?.["execution.state-recovery.ignore-unclaimed-state"]).toBe("true");
  });

  it("PUT goes ahead with a compatible upgrade and records the verdict in the events", async () => {
    await runningApp("orders");
    expect((await put("/v1/jobs/orders", 11)).statusCode).toBe(202);
    const check = t.store.listEvents("orders").find((e) => e.type === "state-check");
    expect(check?.message).toMatch(/^state check of v2 from v1: compatible: every operator's state is kept/);
    expect(check?.data).toMatchObject({ verdict: "compatible", version: 2, fromVersion: 1 });
    await t.tickUntil(() => t.store.activeOperation("orders") === undefined);
    expect(
      t.flink.submissions.at(-1)?.settings["execution.state-recovery.ignore-unclaimed-state"],
    ).toBeUndefined();
  });
});
