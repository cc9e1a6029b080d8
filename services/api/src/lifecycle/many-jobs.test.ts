import { StatementSync } from "node:sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import type { FlinkJobSummary } from "../flink/port.ts";
import { JobStore } from "../store/store.ts";
import { EXCEPTIONS_REFRESH_MS, MAX_EXCEPTION_READS_PER_PASS } from "./exceptions.ts";
import { batchReads, directReads } from "./job-reads.ts";
import { observedById, observedOf } from "./observed-index.ts";
import { PASS_YIELD_EVERY } from "./reconciler.ts";

/** What keeps the API's cost linear in the number of jobs it manages (bench/control-plane). */
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.app.close();
});

/** An app managing `n` RUNNING jobs, recorded straight in the store, each with its Flink job. */
async function managing(n: number, env: Record<string, string> = {}): Promise<{ t: TestApp; ids: string[] }> {
  const t = await testApp({ env });
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

/** SQLite reads (SELECT statements of the store) while `fn` runs; writes (events) are not counted. */
async function queriesDuring(fn: () => Promise<unknown>): Promise<number> {
  const spies = (["get", "all"] as const).map((m) => vi.spyOn(StatementSync.prototype, m));
  try {
    await fn();
    return spies
      .flatMap((spy) => spy.mock.contexts)
      .filter((statement) => (statement as StatementSync).sourceSQL.trimStart().startsWith("SELECT")).length;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe("store reads per job", () => {
  it("GET /v1/jobs reads a page's records with the same number of queries for 10 jobs as for 40", async () => {
    const counts: number[] = [];
    for (const n of [10, 40]) {
      const { t } = await managing(n);
      await t.tick();
      counts.push(
        await queriesDuring(async () => {
          const res = await t.app.inject({ url: "/v1/jobs", headers: auth });
          expect(res.json().jobs).toHaveLength(n);
        }),
      );
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it("a quiet pass makes at most 2 reads per job (its runs and its operation), plus a few", async () => {
    const counts: number[] = [];
    for (const n of [10, 40]) {
      const { t } = await managing(n);
      await t.tick();
      await t.tick();
      counts.push(await queriesDuring(() => t.tick()));
    }
    expect(((counts[1] as number) - (counts[0] as number)) / 30).toBeLessThanOrEqual(2);
  });

  it("batch reads answer what one read per job answers", async () => {
    const { t, ids } = await managing(3);
    const at = t.clock.now();
    // job-0: a second run and an operation under way; job-1: a failed operation; job-2: none.
    t.store.recordRun({
      flinkJobId: "f".repeat(32),
      jobName: "job-0",
      version: 1,
      restoredFrom: null,
      operationId: null,
      submittedAt: at + 1,
    });
    t.store.addOperation("job-0", "stop", { mode: "cancel", drain: false }, at);
    const failed = t.store.addOperation("job-1", "stop", { mode: "savepoint", drain: false }, at);
    t.store.updateOperation(failed.id, { status: "failed", error: "boom" }, at);
    t.store.addOperation("job-1", "savepoint", {}, at);
    // job-p: runs with parallelism 3 (3 slots).
    const validated = sluiceCompiler.validate({ ...datagenSpec("job-p"), parallelism: 3 });
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
    const compiled = sluiceCompiler.compile(validated.spec);
    t.store.createJob(
      { name: "job-p", spec: validated.spec, specHash: "p", compiled, desiredState: "RUNNING" },
      at,
    );
    t.store.recordRun({
      flinkJobId: "e".repeat(32),
      jobName: "job-p",
      version: 1,
      restoredFrom: null,
      operationId: null,
      submittedAt: at,
    });
    const names = ["job-0", "job-1", "job-2", "job-p", "no-such-job"];
    const batch = batchReads(t.store, names);
    const direct = directReads(t.store);
    for (const name of names) {
      expect(batch.latestRun(name)).toEqual(direct.latestRun(name));
      expect(batch.activeOperation(name)).toEqual(direct.activeOperation(name));
      expect(batch.lastOperation(name)).toEqual(direct.lastOperation(name));
      expect(batch.slotsNeeded(name, 1)).toBe(direct.slotsNeeded(name, 1));
    }
    expect(batch.latestRun("job-0")?.flinkJobId).toBe("f".repeat(32));
    expect(batch.activeOperation("job-0")?.kind).toBe("stop");
    expect(batch.lastOperation("job-1")?.kind).toBe("savepoint");
    expect(batch.slotsNeeded("job-p", 1)).toBe(3);
    expect(ids).toHaveLength(3);
  });
});

describe("a pass with many jobs", () => {
  it(`lets other work run every ${PASS_YIELD_EVERY} jobs instead of holding the event loop`, async () => {
    const n = PASS_YIELD_EVERY * 3;
    const { t } = await managing(n);
    await t.tick();
    const listRuns = vi.spyOn(t.store, "listRuns");
    const pass = t.app.reconciler.tick();
    let jobsBefore = -1;
    setImmediate(() => {
      jobsBefore = listRuns.mock.calls.length;
    });
    await pass;
    expect(listRuns.mock.calls.length).toBe(n);
    // The callback ran while the pass was under way, not after it.
    expect(jobsBefore).toBeGreaterThan(0);
    expect(jobsBefore).toBeLessThan(n);
  });
});

describe("reads when the last observation is old", () => {
  it("share one Flink listing among concurrent requests", async () => {
    const { t } = await managing(3);
    const list = t.flink.listJobs.bind(t.flink);
    const listings = vi.spyOn(t.flink, "listJobs").mockImplementation(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return list();
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.app.inject({ url: "/v1/jobs/job-1", headers: auth })),
    );
    for (const res of answers) expect(res.json().state).toBe("RUNNING");
    expect(listings).toHaveBeenCalledTimes(1);
  });
});
