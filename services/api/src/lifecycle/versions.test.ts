import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";

/** New versions of a running job, on the fake Flink: what the kind of change costs. */
let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function running(name: string): Promise<string> {
  await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec(name) });
  await t.tickUntil(() => t.store.activeOperation(name) === undefined);
  const flinkJobId = t.store.latestRun(name)?.flinkJobId;
  if (!flinkJobId) throw new Error(`${name} did not start`);
  return flinkJobId;
}

const eventTypes = (name: string) => t.store.listEvents(name).map((e) => e.type);

describe("a new version of a running job", () => {
  it("with only its description changed is applied to the same Flink job, without a savepoint", async () => {
    t = await testApp();
    const flinkJobId = await running("described");
    const spec = { ...datagenSpec("described"), description: "datagen to blackhole, now described" };
    const res = await t.app.inject({
      method: "PUT",
      url: "/v1/jobs/described",
      headers: auth,
      payload: spec,
    });
    expect(res.statusCode).toBe(200);
    expect(t.store.activeOperation("described")).toBeUndefined();
    await t.tick();
    const job = (await t.app.inject("/v1/jobs/described")).json();
    expect(job).toMatchObject({ state: "RUNNING", version: 2, flinkJobId, operation: null });
    expect(t.store.latestRun("described")).toMatchObject({ flinkJobId, version: 2 });
    expect(t.flink.submissions).toHaveLength(1);
    expect(t.flink.calls).not.toContain("stopWithSavepoint");
    expect(eventTypes("described")).toContain("version-applied");
  });

  it("that changes the SQL and was recorded without an operation is upgraded by the reconciler", async () => {
    t = await testApp();
    const flinkJobId = await running("faster");
    const validated = sluiceCompiler.validate(datagenSpec("faster", { rowsPerSecond: 50 }));
    if (!validated.ok) throw new Error("invalid test spec");
    const spec = { ...validated.spec, version: 2 };
    t.store.transaction(() => {
      t.store.addVersion("faster", spec, "h2", sluiceCompiler.compile(spec), t.clock.now());
      t.store.updateJob("faster", { currentVersion: 2 }, t.clock.now());
    });
    await t.tick();
    expect(t.store.activeOperation("faster")).toMatchObject({
      kind: "upgrade",
      params: { fromVersion: 1, toVersion: 2, stateless: false },
    });
    await t.tickUntil(() => t.store.activeOperation("faster") === undefined);
    const run = t.store.latestRun("faster");
    expect(run).toMatchObject({ version: 2 });
    expect(run?.flinkJobId).not.toBe(flinkJobId);
    expect(t.flink.calls).toContain("stopWithSavepoint");
  });
});
