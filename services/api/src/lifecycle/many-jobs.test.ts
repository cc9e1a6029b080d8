import { afterEach, describe, expect, it, vi } from "vitest";
import { type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import type { FlinkJobSummary } from "../flink/port.ts";
import { JobStore } from "../store/store.ts";
import { EXCEPTIONS_REFRESH_MS, MAX_EXCEPTION_READS_PER_PASS } from "./exceptions.ts";
import { observedById, observedOf } from "./observed-index.ts";

/** What keeps the API's cost linear in the number of jobs it manages (bench/control-plane). */
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.app.close();
});

/** An app managing `n` RUNNING jobs, recorded straight in the store, each with its Flink job. */
async function managing(n: number): Promise<{ t: TestApp; ids: string[] }> {
  const t = await testApp();
  apps.push(t);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `job-${i}`;
    const validated = sluiceCompiler.validate(datagenSpec(name));
    if (!validated.ok) throw new Error("invalid spec");
    const compiled = sluiceCompiler.compile(validated.spec);
    const at = t.clock.now();
    t.store.createJob({ name, spec: validated.spec, specHash: name, compiled, desiredState: "RUNNING" }, at);
    const id = t.flink.addJob(`sluice/${name}/v1`, "RUNNING");
    t.store.recordRun({
      flinkJobId: id,
      jobName: name,
      version: 1,
      restoredFrom: null,
      operationId: null,
      submittedAt: at,
    });
    ids.push(id);
  }
  return { t, ids };
}

const exceptionReads = (t: TestApp) => t.flink.calls.filter((c) => c === "exceptions").length;

describe("exceptions with many jobs", () => {
  it("reads at most MAX_EXCEPTION_READS_PER_PASS per pass, and every job's copy in turn", async () => {
    const n = MAX_EXCEPTION_READS_PER_PASS * 2 + 3;
    const { t, ids } = await managing(n);
    for (const id of ids) t.flink.jobs.get(id)?.exceptionList.push({ timestamp: 1, message: `boom ${id}` });
    const passes = Math.ceil(n / MAX_EXCEPTION_READS_PER_PASS);
    for (let i = 0; i < passes; i++) {
      const before = exceptionReads(t);
      await t.tick();
      expect(exceptionReads(t) - before).toBeLessThanOrEqual(MAX_EXCEPTION_READS_PER_PASS);
    }
    expect(exceptionReads(t)).toBe(n);
    for (const id of ids)
      expect(t.app.reconciler.exceptionsOf(id)).toEqual([{ timestamp: 1, message: `boom ${id}` }]);
  });

  it("reads a job whose state changed before the copies that are merely old", async () => {
    const n = MAX_EXCEPTION_READS_PER_PASS * 2;
    const { t, ids } = await managing(n);
    await t.tickUntil(() => exceptionReads(t) >= n);
    t.clock.advance(EXCEPTIONS_REFRESH_MS * 2);
    // Every copy is old now; the last job (last in the pass's order) also changed state.
    const changed = ids.at(-1) as string;
    const job = t.flink.jobs.get(changed);
    if (!job) throw new Error("no job");
    job.state = "RESTARTING";
    job.exceptionList.push({ timestamp: 2, message: "restarted" });
    await t.tick();
    expect(t.app.reconciler.exceptionsOf(changed)).toEqual([{ timestamp: 2, message: "restarted" }]);
  });
});

describe("observed jobs index", () => {
  const jobs: FlinkJobSummary[] = [
    { id: "a1", name: "sluice/a/v1", state: "CANCELED", startTime: 1 },
    { id: "b1", name: "sluice/b/v1", state: "RUNNING", startTime: 2 },
    { id: "x", name: "not sluice", state: "RUNNING", startTime: 3 },
    { id: "a2", name: "sluice/a/v2", state: "RUNNING", startTime: 4 },
  ];
  it("finds Flink jobs by id and by Sluice job name, in listing order", () => {
    const obs = { at: 0, jobs };
    expect(observedById(obs, "b1")?.name).toBe("sluice/b/v1");
    expect(observedById(obs, "x")?.state).toBe("RUNNING");
    expect(observedById(obs, "nope")).toBeUndefined();
    expect(observedOf(obs, "a").map((j) => j.id)).toEqual(["a1", "a2"]);
    expect(observedOf(obs, "c")).toEqual([]);
  });
  it("indexes each observation's own jobs (a new observation is a new array)", () => {
    expect(observedById({ at: 0, jobs }, "a1")).toBeDefined();
    expect(observedById({ at: 1, jobs: jobs.slice(1) }, "a1")).toBeUndefined();
  });
});

describe("store reads with many jobs", () => {
  it("prepares each query once, not on every read", () => {
    const store = JobStore.open(":memory:");
    const prepare = vi.spyOn(store.db, "prepare");
    for (let i = 0; i < 50; i++) {
      store.getJob(`job-${i}`);
      store.latestRun(`job-${i}`);
      store.activeOperation(`job-${i}`);
      store.lastOperation(`job-${i}`);
    }
    expect(prepare.mock.calls.length).toBeLessThanOrEqual(4);
    store.close();
  });
});
