import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { auth, Clock, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { FakeFlink } from "../flink/fake.ts";
import { FlinkError } from "../flink/port.ts";
import { JobStore } from "../store/store.ts";

/**
 * Crash and restart behaviour with the fake Flink: a second app over the same store file plays
 * the restarted API process (the first one is abandoned mid-operation, as SIGKILL would).
 */
let dir: string;
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.app.close().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(flink: FakeFlink, clock: Clock, env: Record<string, string> = {}) {
  const t = await testApp({ flink, clock, store: JobStore.open(join(dir, "sluice.db")), env });
  return t;
}

/** A first API process over a store file in a fresh directory, with job `name` created. */
async function firstProcess(name: string) {
  dir = mkdtempSync(join(tmpdir(), "sluice-rec-"));
  const clock = new Clock();
  const flink = new FakeFlink(clock.now);
  const first = await open(flink, clock);
  await first.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec(name) });
  return { clock, flink, first };
}

/** Starts a pass whose submission never returns (the process "dies" there) and waits for the call. */
async function dieWhileSubmitting(first: TestApp, flink: FakeFlink): Promise<void> {
  flink.hangSubmit = true;
  void first.app.reconciler.tick();
  await flink.waitForCall("submit");
}

describe("reconciler after a crash", () => {
  it("adopts the job a crashed submission created instead of submitting twice", async () => {
    const { clock, flink, first } = await firstProcess("crashy");
    await dieWhileSubmitting(first, flink);
    expect(first.store.activeOperation("crashy")?.progress).toMatchObject({ startedAt: clock.t });
    // ... but the gateway did create the job.
    const created = flink.addJob("sluice/crashy/v1", "RUNNING");

    flink.hangSubmit = false;
    const second = await open(flink, clock);
    apps.push(second);
    await second.tick();
    await second.tick();
    const job = (await second.app.inject("/v1/jobs/crashy")).json();
    expect(job).toMatchObject({ state: "RUNNING", flinkJobId: created, operation: null });
    expect(flink.submissions).toHaveLength(0);
    expect(flink.activeJobs("sluice/crashy/v1")).toHaveLength(1);
    const events = (await second.app.inject("/v1/jobs/crashy/events"))
      .json()
      .events.map((e: { type: string }) => e.type);
    expect(events).toContain("adopted");
  });

  it("resubmits once the grace period shows the crashed submission never reached Flink", async () => {
    const { clock, flink, first } = await firstProcess("lost");
    await dieWhileSubmitting(first, flink);

    flink.hangSubmit = false;
    const second = await open(flink, clock);
    apps.push(second);
    await second.tick();
    expect(flink.submissions).toHaveLength(0); // still within the grace period: wait
    clock.advance(second.config.submitGraceMs + 1);
    await second.tick();
    await second.tick();
    expect(flink.submissions).toHaveLength(1);
    expect((await second.app.inject("/v1/jobs/lost")).json().state).toBe("RUNNING");
  });

  it("finishes a stop whose savepoint was triggered before the crash", async () => {
    const { clock, flink, first } = await firstProcess("halfway");
    await first.tick();
    await first.tick();
    flink.savepointPolls = 3;
    await first.app.inject({ method: "POST", url: "/v1/jobs/halfway/stop", headers: auth, payload: {} });
    await first.tick(); // trigger recorded
    const progress = first.store.activeOperation("halfway")?.progress as { triggerId?: string } | undefined;
    const triggerId = progress?.triggerId;
    expect(triggerId).toBeDefined();
    await first.app.close();

    const second = await open(flink, clock);
    apps.push(second);
    await second.tickUntil(() => second.store.activeOperation("halfway") === undefined);
    await second.tick();
    const job = (await second.app.inject("/v1/jobs/halfway")).json();
    expect(job).toMatchObject({ state: "STOPPED", lastOperation: { kind: "stop", status: "succeeded" } });
    expect(job.savepoints).toHaveLength(1);
    expect(flink.calls.filter((c) => c === "stopWithSavepoint")).toHaveLength(1);
  });

  it("records the savepoint of a stop that completed while the API was down", async () => {
    const { clock, flink, first } = await firstProcess("quick");
    await first.tick();
    await first.tick();
    await first.app.inject({ method: "POST", url: "/v1/jobs/quick/stop", headers: auth, payload: {} });
    const jobId = first.store.latestRun("quick")?.flinkJobId as string;
    // Flink stopped the job with a savepoint, but the API died before recording the trigger.
    const { triggerId } = await flink.stopWithSavepoint(jobId, { drain: false });
    const done = await flink.pollSavepoint(jobId, triggerId);
    await first.app.close();

    const second = await open(flink, clock);
    apps.push(second);
    await second.tickUntil(() => second.store.activeOperation("quick") === undefined);
    expect(second.store.listSavepoints("quick").map((s) => s.path)).toEqual([
      (done as { path: string }).path,
    ]);
  });
});

describe("automatic restarts", () => {
  it("restarts a FAILED job from its newest checkpoint with exponential backoff, up to the limit", async () => {
    const clock = new Clock();
    const t = await testApp({ clock, env: { SLUICE_RESTART_LIMIT: "2", SLUICE_RESTART_BACKOFF_MS: "1000" } });
    apps.push(t);
    await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec("flaky") });
    await t.tick();
    await t.tick();
    const first = t.store.latestRun("flaky")?.flinkJobId as string;
    t.flink.addCheckpoint(first, "file:/chk/flaky/chk-7");
    t.flink.failJob(first, "java.io.IOException: disk full");
    await t.tick(); // noticed, restart planned in 1 s
    expect((await t.app.inject("/v1/jobs/flaky")).json()).toMatchObject({
      state: "RESTARTING",
      reason: expect.stringContaining("automatic restart 1/2 from the newest checkpoint"),
    });
    await t.tick();
    expect(t.flink.submissions).toHaveLength(1);
    clock.advance(1000);
    await t.tick(); // restart operation recorded
    await t.tick(); // submitted
    expect(t.flink.submissions).toHaveLength(2);
    expect(t.flink.submissions[1]?.settings["execution.state-recovery.path"]).toBe("file:/chk/flaky/chk-7");
    expect(t.store.listSavepoints("flaky")[0]).toMatchObject({ kind: "checkpoint", reason: "restart" });

    const second = t.store.latestRun("flaky")?.flinkJobId as string;
    t.flink.failJob(second, "java.io.IOException: disk full");
    await t.tick();
    clock.advance(1999);
    await t.tick();
    expect(t.flink.submissions).toHaveLength(2); // second delay is 2 s
    clock.advance(1);
    await t.tick();
    await t.tick();
    expect(t.flink.submissions).toHaveLength(3);

    t.flink.failJob(t.store.latestRun("flaky")?.flinkJobId as string, "java.io.IOException: disk full");
    await t.tick();
    clock.advance(60_000);
    await t.tick();
    await t.tick();
    expect(t.flink.submissions).toHaveLength(3); // limit reached
    const job = (await t.app.inject("/v1/jobs/flaky")).json();
    expect(job.reason).toContain("restarts exhausted (2/2)");
    const types = (await t.app.inject("/v1/jobs/flaky/events"))
      .json()
      .events.map((e: { type: string }) => e.type);
    expect(types.filter((x: string) => x === "restarting")).toHaveLength(2);
    expect(types).toContain("restart-limit");
  });

  it("waits for a TaskManager without spending the restart budget, then resumes from the newest checkpoint", async () => {
    const clock = new Clock();
    const t = await testApp({ clock, env: { SLUICE_RESTART_LIMIT: "2", SLUICE_RESTART_BACKOFF_MS: "1000" } });
    apps.push(t);
    await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec("lost") });
    await t.tick();
    await t.tick();
    const first = t.store.latestRun("lost")?.flinkJobId as string;
    t.flink.addCheckpoint(first, "file:/chk/lost/chk-3");
    t.flink.capacity = { taskManagers: 0, slotsTotal: 0, slotsAvailable: 0 };
    t.flink.setTasks(first, { running: 0, scheduled: 1, total: 1 });
    await t.tick();
    expect((await t.app.inject("/v1/jobs/lost")).json()).toMatchObject({
      state: "STARTING",
      reason: "0 of 1 task running (1 scheduled); waiting for 1 task slot: 0 TaskManagers registered",
    });
    t.flink.failJob(
      first,
      "org.apache.flink.util.FlinkException: TaskManager with id tm-1 is no longer reachable.",
    );
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await t.tick();
    }
    expect(t.flink.submissions).toHaveLength(1); // nothing could run: no submission
    const waiting = (await t.app.inject("/v1/jobs/lost")).json();
    expect(waiting).toMatchObject({
      state: "RESTARTING",
      reason: expect.stringContaining("0 TaskManagers registered"),
    });
    t.flink.capacity = { taskManagers: 1, slotsTotal: 4, slotsAvailable: 4 };
    await t.tick(); // restart recorded at once (no backoff: the failure was the cluster's)
    await t.tick(); // submitted
    expect(t.flink.submissions).toHaveLength(2);
    expect(t.flink.submissions[1]?.settings["execution.state-recovery.path"]).toBe("file:/chk/lost/chk-3");
    expect(t.flink.submissions[1]?.settings["execution.checkpointing.interval"]).toBe("10 s");
    expect(t.store.getJob("lost")?.restartAttempts).toBe(0);
    const types = (await t.app.inject("/v1/jobs/lost/events"))
      .json()
      .events.map((e: { type: string }) => e.type);
    expect(types.filter((x: string) => x === "restart-waiting")).toHaveLength(1);
    await t.tick();
    const shown = (await t.app.inject("/v1/jobs/lost/events"))
      .json()
      .events.filter((e: { type: string }) => e.type === "state")
      .map((e: { data: { to: string } }) => e.data.to);
    expect(shown).toEqual(["RUNNING", "STARTING", "RESTARTING", "RUNNING"]);
  });

  it("reports duplicate Flink jobs for one Sluice job and touches none", async () => {
    const t = await testApp();
    apps.push(t);
    await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec("twin") });
    await t.tick();
    const extra = t.flink.addJob("sluice/twin/v1", "RUNNING");
    await t.tick();
    const job = (await t.app.inject("/v1/jobs/twin")).json();
    expect(job.duplicates).toEqual([extra]);
    expect(t.flink.activeJobs("sluice/twin/v1")).toHaveLength(2);
    expect(t.flink.calls).not.toContain("cancel");
  });
});

describe("operation timeout", () => {
  it("gives up on an operation that cannot finish, and the job can be acted on again", async () => {
    const clock = new Clock();
    const t = await testApp({ clock, env: { SLUICE_OPERATION_TIMEOUT_MS: "60000" } });
    apps.push(t);
    await t.app.inject({ method: "POST", url: "/v1/jobs", headers: auth, payload: datagenSpec("stuck") });
    await t.tick();
    await t.tick();
    t.flink.savepointPolls = 1_000_000; // the savepoint never completes
    await t.app.inject({ method: "POST", url: "/v1/jobs/stuck/stop", headers: auth, payload: {} });
    await t.tick();
    await t.tick();
    expect((await t.app.inject("/v1/jobs/stuck")).json().state).toBe("STOPPING");
    clock.advance(60_001);
    await t.tick();
    const job = (await t.app.inject("/v1/jobs/stuck")).json();
    expect(job).toMatchObject({ state: "RUNNING", desiredState: "RUNNING", operation: null });
    expect(job.lastOperation.error).toContain("did not finish within 60 s");
    const again = await t.app.inject({
      method: "POST",
      url: "/v1/jobs/stuck/stop",
      headers: auth,
      payload: { mode: "cancel" },
    });
    expect(again.statusCode).toBe(202);
  });
});

/**
 * Waits until `predicate` holds, moving the fake timers 5 ms per check: the loop's passes and
 * the startup watch's reads run when those timers fire, not when real time has passed.
 */
async function waitFor(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await predicate())) throw new Error(`still waiting for ${what}`);
    },
    { timeout: 5_000, interval: 5 },
  );
}

describe("the running loop", () => {
  // An interval no test waits for: whatever happens below was triggered by a wake or a watch.
  const env = { SLUICE_RECONCILE_INTERVAL_MS: "600000" };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("submits a created job at once and shows it RUNNING as soon as Flink does, not at the next pass", async () => {
    const t = await testApp({ env });
    apps.push(t);
    t.flink.initialState = "INITIALIZING";
    await waitFor(() => t.app.reconciler.stats.passes >= 1, "the first pass");
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: auth,
      payload: datagenSpec("quick"),
    });
    expect(res.statusCode).toBe(202);
    await waitFor(() => t.flink.submissions.length === 1, "the submission");
    const id = t.store.latestRun("quick")?.flinkJobId as string;
    await waitFor(() => t.flink.calls.includes("getJob"), "the new job to be watched");
    expect((await t.app.inject("/v1/jobs/quick")).json()).toMatchObject({ state: "SUBMITTING" });

    // The submission's pass, then its follow-up pass (which still sees INITIALIZING); then none for 10 min.
    await waitFor(() => t.app.reconciler.stats.passes >= 3, "the follow-up pass");
    const passes = t.app.reconciler.stats.passes;
    t.flink.setState(id, "RUNNING");
    let job: { state?: string; flinkState?: string } = {};
    await waitFor(async () => {
      job = (await t.app.inject("/v1/jobs/quick")).json();
      return job.state === "RUNNING";
    }, "the job shown RUNNING");
    expect(job).toMatchObject({ state: "RUNNING", flinkState: "RUNNING" });
    expect(t.app.reconciler.stats.passes).toBe(passes); // the watch saw it, not a pass
  });

  it("does not lose a wake that arrives while a pass is running", async () => {
    const t = await testApp({ env });
    apps.push(t);
    await waitFor(() => t.app.reconciler.stats.passes >= 1, "the first pass");
    // A job recorded at the very end of a pass, after it read the store (as a POST can be).
    const validated = sluiceCompiler.validate(datagenSpec("late"));
    if (!validated.ok) throw new Error("invalid test spec");
    const compiled = sluiceCompiler.compile(validated.spec);
    t.app.reconciler.onPass = () => {
      t.app.reconciler.onPass = undefined;
      t.store.transaction(() => {
        t.store.createJob(
          { name: "late", spec: validated.spec, specHash: "h", compiled, desiredState: "RUNNING" },
          t.clock.now(),
        );
        t.store.addOperation(
          "late",
          "submit",
          { version: 1, restore: { mode: "none" }, reason: "create" },
          t.clock.now(),
        );
      });
      t.app.reconciler.wake();
    };
    t.app.reconciler.wake();
    await waitFor(() => t.flink.submissions.length === 1, "the late job's submission");
  });
});

describe("a first submission", () => {
  async function created(name: string): Promise<TestApp> {
    const t = await testApp();
    apps.push(t);
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: auth,
      payload: datagenSpec(name),
    });
    expect(res.statusCode).toBe(202);
    return t;
  }

  it("prepares its SQL Gateway session while the pass lists Flink's jobs, and starts the job only after", async () => {
    const t = await created("overlap");
    let release: () => void = () => undefined;
    const listed = new Promise<void>((r) => {
      release = r;
    });
    const listJobs = t.flink.listJobs.bind(t.flink);
    t.flink.listJobs = async () => {
      await listed;
      return listJobs();
    };
    const submit = t.flink.submit.bind(t.flink);
    let gatewayCalled = false;
    t.flink.submit = (request) => {
      gatewayCalled = true;
      return submit(request);
    };
    const pass = t.app.reconciler.tick();
    await waitFor(() => gatewayCalled, "the submission to begin");
    expect(t.flink.submissions).toHaveLength(0); // the statement set waits for the listing
    release();
    await pass;
    expect(t.flink.submissions).toHaveLength(1);
    expect(t.store.latestRun("overlap")?.flinkJobId).toBeDefined();
  });

  it("adopts a running Flink job already carrying its pipeline.name instead of starting another", async () => {
    const t = await created("taken");
    const existing = t.flink.addJob("sluice/taken/v1", "RUNNING");
    await t.tick();
    expect(t.flink.submissions).toHaveLength(0);
    expect(t.flink.activeJobs("sluice/taken/v1").map((j) => j.id)).toEqual([existing]);
    expect(t.store.latestRun("taken")?.flinkJobId).toBe(existing);
    const events = (await t.app.inject("/v1/jobs/taken/events"))
      .json()
      .events.map((e: { type: string }) => e.type);
    expect(events).toContain("adopted");
  });

  it("starts nothing when the listing fails, and submits on the next pass", async () => {
    const t = await created("blind");
    const listJobs = t.flink.listJobs.bind(t.flink);
    t.flink.listJobs = async () => {
      t.flink.listJobs = listJobs;
      throw new FlinkError("FLINK_UNREACHABLE", "connect ECONNREFUSED (test)");
    };
    await t.tick();
    expect(t.flink.submissions).toHaveLength(0);
    expect(t.store.activeOperation("blind")?.progress).not.toHaveProperty("startedAt");
    await t.tick();
    expect(t.flink.submissions).toHaveLength(1);
  });
});
