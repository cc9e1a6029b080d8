import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../test/helper.ts";
import { datagenSpec, invalidSpec, kafkaSourceSpec } from "../test/specs.ts";

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

const post = (url: string, payload?: unknown, headers: Record<string, string> = auth) =>
  t.app.inject({ method: "POST", url, payload: payload as object, headers });

const put = (url: string, payload: unknown) =>
  t.app.inject({ method: "PUT", url, headers: auth, payload: payload as object });

async function getJob(name: string) {
  const res = await t.app.inject({ method: "GET", url: `/v1/jobs/${name}` });
  return t.json(res) as Record<string, unknown> & { state: string; flinkJobId: string | null };
}

/** Reconcile passes until the job's operation is done, one more, then the job. */
async function settle(name: string) {
  await t.tickUntil(() => t.store.activeOperation(name) === undefined);
  await t.tick();
  return getJob(name);
}

async function createRunning(name: string) {
  const res = await post("/v1/jobs", datagenSpec(name));
  expect(res.statusCode).toBe(202);
  await t.tickUntil(() => t.flink.activeJobs(`sluice/${name}/v1`).some((j) => j.state === "RUNNING"));
  await t.tick();
  return getJob(name);
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code: string,
) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers["content-type"])).toContain("application/problem+json");
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String) });
  expect(body.type).toMatch(/^https:\/\/sluice\.dev\/problems\//);
  return body;
}

describe("health, readiness, metrics, docs", () => {
  it("answers /healthz and /readyz, and /readyz says what it tried when Flink is down", async () => {
    t = await testApp();
    expect((await t.app.inject("/healthz")).json()).toEqual({ status: "ok" });
    expect((await t.app.inject("/readyz")).statusCode).toBe(200);
    t.flink.reachable = false;
    const res = await t.app.inject("/readyz");
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.flink).toMatchObject({
      ok: false,
      tried: ["http://fake-flink:8081", "http://fake-flink:8083"],
    });
    expect(res.json().checks.store.ok).toBe(true);
  });

  it("serves Prometheus metrics with job states", async () => {
    t = await testApp();
    await createRunning("metered");
    const res = await t.app.inject("/metrics");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain('sluice_jobs{state="RUNNING"} 1');
    expect(res.body).toContain("sluice_api_http_requests_total");
    expect(res.body).toContain("sluice_reconcile_passes_total");
  });

  it("serves the OpenAPI document and Swagger UI", async () => {
    t = await testApp();
    const res = await t.app.inject("/openapi.json");
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/jobs", "/v1/jobs/{name}", "/v1/jobs/{name}/stop", "/healthz", "/metrics"]),
    );
    await expect(JSON.stringify(doc, null, 2)).toMatchFileSnapshot("./__snapshots__/openapi.json");
    const ui = await t.app.inject("/docs/");
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain("swagger");
  });
});

describe("auth", () => {
  it("requires a bearer token on mutating routes (the comparison itself: auth.test.ts)", async () => {
    t = await testApp();
    const none = await post("/v1/jobs", datagenSpec("a"), {});
    expectProblem(none, 401, "UNAUTHORIZED");
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    expectProblem(
      await post("/v1/jobs", datagenSpec("a"), { authorization: "Bearer wrong-token-xyz" }),
      401,
      "UNAUTHORIZED",
    );
    expectProblem(
      await post("/v1/jobs", datagenSpec("a"), { authorization: "Basic abc" }),
      401,
      "UNAUTHORIZED",
    );
    expect((await post("/v1/jobs", datagenSpec("a"))).statusCode).toBe(202);
    // reads are open unless SLUICE_API_READ_AUTH=true
    expect((await t.app.inject("/v1/jobs")).statusCode).toBe(200);
  });

  it("protects reads when SLUICE_API_READ_AUTH=true, never health", async () => {
    t = await testApp({ env: { SLUICE_API_READ_AUTH: "true" } });
    expectProblem(await t.app.inject("/v1/jobs"), 401, "UNAUTHORIZED");
    expect((await t.app.inject({ url: "/v1/jobs", headers: auth })).statusCode).toBe(200);
    expect((await t.app.inject("/healthz")).statusCode).toBe(200);
  });
});

describe("bad input never answers 500", () => {
  it("reports every spec problem with its JSON path", async () => {
    t = await testApp();
    const body = expectProblem(await post("/v1/jobs", invalidSpec("bad")), 400, "INVALID_SPEC");
    const paths = body.problems.map((p: { path: string }) => p.path);
    expect(paths).toContain("tables[0].columns[0].type.kind");
    expect(paths.some((p: string) => p.startsWith("tables[1]"))).toBe(true);
    for (const p of body.problems)
      expect(p).toEqual({ path: expect.any(String), code: expect.any(String), message: expect.any(String) });
    expect(t.store.listJobs()).toEqual([]);
  });

  it("maps malformed JSON, wrong content type, huge bodies, bad params and unknown routes to 4xx", async () => {
    t = await testApp({ env: { SLUICE_API_BODY_LIMIT: "2048" } });
    const json = { ...auth, "content-type": "application/json" };
    expectProblem(
      await t.app.inject({ method: "POST", url: "/v1/jobs", headers: json, payload: "{not json" }),
      400,
      "MALFORMED_JSON",
    );
    expectProblem(
      await t.app.inject({ method: "POST", url: "/v1/jobs", headers: json, payload: "" }),
      400,
      "MALFORMED_JSON",
    );
    expectProblem(
      await t.app.inject({
        method: "POST",
        url: "/v1/jobs",
        headers: { ...auth, "content-type": "text/plain" },
        payload: "hello",
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectProblem(
      await t.app.inject({
        method: "POST",
        url: "/v1/jobs",
        headers: json,
        payload: JSON.stringify({ name: "x".repeat(5000) }),
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expectProblem(await post("/v1/jobs", [1, 2, 3]), 400, "INVALID_SPEC");
    expectProblem(await post("/v1/jobs?dryRun=maybe", datagenSpec("q")), 400, "VALIDATION_FAILED");
    expectProblem(await t.app.inject("/v1/jobs/NOT_A_SLUG!"), 400, "VALIDATION_FAILED");
    expectProblem(await t.app.inject("/v1/jobs/missing"), 404, "JOB_NOT_FOUND");
    expectProblem(await t.app.inject("/v2/nothing"), 404, "NOT_FOUND");
    expectProblem(await post("/v1/jobs/missing/stop", { mode: "explode" }), 400, "VALIDATION_FAILED");
    expectProblem(await t.app.inject(`/v1/jobs/${"a".repeat(500)}`), 400, "VALIDATION_FAILED");
    const wrongMethod = expectProblem(
      await t.app.inject({ method: "PATCH", url: "/v1/jobs/x" }),
      405,
      "METHOD_NOT_ALLOWED",
    );
    expect(wrongMethod.detail).toContain("GET");
    expect((await t.app.inject({ method: "PATCH", url: "/v1/jobs/x" })).headers.allow).toBe(
      "GET, HEAD, PUT, DELETE",
    );
  });
});

describe("create", () => {
  it("creates (202), submits with pipeline.name, becomes RUNNING; same spec again is 200, another is 409", async () => {
    t = await testApp();
    const res = await post("/v1/jobs", datagenSpec("orders"));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      name: "orders",
      version: 1,
      desiredState: "RUNNING",
      state: "SUBMITTING",
    });
    expect(res.json().operation).toMatchObject({ kind: "submit", status: "pending" });
    await t.tick();
    expect(t.flink.submissions).toHaveLength(1);
    expect(t.flink.submissions[0]?.settings["pipeline.name"]).toBe("sluice/orders/v1");
    expect(t.flink.submissions[0]?.settings["execution.state-recovery.path"]).toBeUndefined();
    await t.tick();
    const job = await getJob("orders");
    expect(job).toMatchObject({ state: "RUNNING", flinkState: "RUNNING", operation: null });
    expect(job.flinkJobId).toBe(t.flink.activeJobs()[0]?.id);
    expect((job.sql as Array<{ sql: string }>).at(-1)?.sql).toContain("EXECUTE STATEMENT SET");

    const again = await post("/v1/jobs", datagenSpec("orders"));
    expect(again.statusCode).toBe(200);
    expect(again.json().version).toBe(1);
    const other = expectProblem(
      await post("/v1/jobs", datagenSpec("orders", { rowsPerSecond: 99 })),
      409,
      "JOB_EXISTS",
    );
    expect(other.detail).toContain("PUT /v1/jobs/orders");
    expect(t.flink.submissions).toHaveLength(1);
  });

  it("dry run compiles and EXPLAINs without storing or running", async () => {
    t = await testApp();
    const res = await post("/v1/jobs?dryRun=true", datagenSpec("dry"));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      dryRun: true,
      name: "dry",
      plan: expect.stringContaining("Abstract Syntax Tree"),
    });
    expect(t.store.listJobs()).toEqual([]);
    expect(t.flink.submissions).toEqual([]);
    t.flink.reachable = false;
    const down = expectProblem(
      await post("/v1/jobs?dryRun=true", datagenSpec("dry")),
      503,
      "FLINK_UNREACHABLE",
    );
    expect(down.tried).toEqual(["http://fake-flink:8081", "http://fake-flink:8083"]);
  });

  it("a dry run Flink rejects is a 422 SQL_REJECTED", async () => {
    t = await testApp();
    const spec = datagenSpec("dry");
    (spec.tables[1] as { name: string }).name = "NO_SUCH_TABLE";
    (spec.inserts[0] as { into: string }).into = "NO_SUCH_TABLE";
    expectProblem(await post("/v1/jobs?dryRun=true", spec), 422, "SQL_REJECTED");
  });

  it("resolves secrets only at submission, never stores or returns them", async () => {
    t = await testApp({ env: { SLUICE_SECRET_GEN_KIND: "random" } });
    const res = await post("/v1/jobs", datagenSpec("secretive", { secret: "GEN_KIND" }));
    expect(res.statusCode).toBe(202);
    await t.tick();
    const submitted = t.flink.submissions[0]?.statements.map((s) => s.sql).join("\n");
    expect(submitted).toContain("'fields.id.kind' = 'random'");
    const job = await t.app.inject("/v1/jobs/secretive");
    expect(job.body).not.toContain("random");
    expect(job.body).toContain("***");
    expect(job.json().secretNames).toEqual(["GEN_KIND"]);
    const stored = JSON.stringify(t.store.db.prepare("SELECT * FROM versions").all());
    expect(stored).not.toContain("'random'");
    expect(stored).toContain("${secret:GEN_KIND}");
  });

  it("refuses a job whose secret is not configured (422)", async () => {
    t = await testApp();
    const body = expectProblem(
      await post("/v1/jobs", datagenSpec("nosecret", { secret: "MISSING_ONE" })),
      422,
      "SECRET_NOT_CONFIGURED",
    );
    expect(body.detail).toContain("SLUICE_SECRET_MISSING_ONE");
  });

  it("shows UNKNOWN when Flink is unreachable and submits once it is back", async () => {
    t = await testApp();
    t.flink.reachable = false;
    expect((await post("/v1/jobs", datagenSpec("later"))).statusCode).toBe(202);
    await t.tick();
    expect((await getJob("later")).state).toBe("UNKNOWN");
    t.flink.reachable = true;
    await t.tick();
    await t.tick();
    expect((await getJob("later")).state).toBe("RUNNING");
    expect(t.flink.submissions).toHaveLength(1);
  });
});

describe("stop, start, savepoints", () => {
  it("stops with a savepoint, then starts again from it", async () => {
    t = await testApp();
    const first = await createRunning("counter");
    const stop = await post("/v1/jobs/counter/stop", {});
    expect(stop.statusCode).toBe(202);
    expect(stop.json().state).toBe("STOPPING");
    const stopped = await settle("counter");
    expect(stopped).toMatchObject({ state: "STOPPED", desiredState: "STOPPED", flinkState: "FINISHED" });
    const savepoints = (await t.app.inject("/v1/jobs/counter/savepoints")).json().savepoints;
    expect(savepoints).toHaveLength(1);
    expect(savepoints[0]).toMatchObject({
      kind: "savepoint",
      reason: "stop",
      flinkJobId: first.flinkJobId,
      version: 1,
    });
    expect((await post("/v1/jobs/counter/stop", {})).statusCode).toBe(200);

    const start = await post("/v1/jobs/counter/start", {});
    expect(start.statusCode).toBe(202);
    await settle("counter");
    expect(t.flink.submissions.at(-1)?.settings["execution.state-recovery.path"]).toBe(savepoints[0].path);
    const running = await getJob("counter");
    expect(running.state).toBe("RUNNING");
    expect(running.flinkJobId).not.toBe(first.flinkJobId);
    expect((await post("/v1/jobs/counter/start", {})).statusCode).toBe(200);
  });

  it("starts from 'none' or a recorded savepoint only", async () => {
    t = await testApp();
    await createRunning("picky");
    await post("/v1/jobs/picky/stop", { mode: "cancel" });
    await t.tickUntil(() => t.store.activeOperation("picky") === undefined);
    expect(t.store.listSavepoints("picky")).toEqual([]);
    expectProblem(
      await post("/v1/jobs/picky/start", { from: "file:/somewhere/else" }),
      400,
      "UNKNOWN_SAVEPOINT",
    );
    expect((await post("/v1/jobs/picky/start", { from: "none" })).statusCode).toBe(202);
    await t.tick();
    expect(t.flink.submissions.at(-1)?.settings["execution.state-recovery.path"]).toBeUndefined();
  });

  it("triggers a savepoint of a running job; 409 when not running or busy", async () => {
    t = await testApp();
    await createRunning("snap");
    t.flink.savepointPolls = 1;
    const res = await post("/v1/jobs/snap/savepoints");
    expect(res.statusCode).toBe(202);
    expectProblem(await post("/v1/jobs/snap/stop", {}), 409, "OPERATION_IN_PROGRESS");
    await t.tickUntil(() => t.store.activeOperation("snap") === undefined);
    const list = (await t.app.inject("/v1/jobs/snap/savepoints")).json().savepoints;
    expect(list).toEqual([expect.objectContaining({ reason: "manual", kind: "savepoint" })]);
    expect((await getJob("snap")).state).toBe("RUNNING");
    await post("/v1/jobs/snap/stop", { mode: "cancel" });
    await t.tickUntil(() => t.store.activeOperation("snap") === undefined);
    expectProblem(await post("/v1/jobs/snap/savepoints"), 409, "JOB_NOT_RUNNING");
  });

  it("triggers the stop savepoint again when it failed transiently (tasks still deploying)", async () => {
    t = await testApp();
    await createRunning("early");
    t.flink.failNextSavepointTransiently = "Not all required tasks are currently running.";
    await post("/v1/jobs/early/stop", {});
    await t.tickUntil(() => {
      t.clock.advance(500); // triggers again after a pause
      return t.store.activeOperation("early") === undefined;
    });
    await t.tick();
    expect((await getJob("early")).state).toBe("STOPPED");
    expect(t.flink.calls.filter((c) => c === "stopWithSavepoint")).toHaveLength(2);
    expect(t.store.listSavepoints("early")).toHaveLength(1);
  });

  it("a failed stop-with-savepoint leaves the job running and says why", async () => {
    t = await testApp();
    await createRunning("stubborn");
    await post("/v1/jobs/stubborn/stop", {});
    await t.tickUntil(() => {
      // Every trigger fails: after a few tries the stop gives up.
      t.flink.failNextSavepoint = "Checkpoint Coordinator is suspending.";
      t.clock.advance(1000);
      return t.store.activeOperation("stubborn") === undefined;
    });
    expect(t.flink.calls.filter((c) => c === "stopWithSavepoint")).toHaveLength(3);
    const job = await getJob("stubborn");
    expect(job).toMatchObject({ state: "RUNNING", desiredState: "RUNNING" });
    expect((job.lastOperation as { error: string }).error).toContain("Checkpoint Coordinator is suspending");
  });
});

describe("upgrade", () => {
  it("upgrades through a savepoint (202), keeping state; the same spec again is a no-op", async () => {
    t = await testApp();
    const v1 = await createRunning("up");
    const res = await put("/v1/jobs/up", datagenSpec("up", { rowsPerSecond: 20 }));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ version: 2, state: "UPGRADING" });
    const job = await settle("up");
    expect(job).toMatchObject({
      version: 2,
      state: "RUNNING",
      lastOperation: { kind: "upgrade", status: "succeeded" },
    });
    const savepoint = t.store.listSavepoints("up")[0];
    expect(savepoint).toMatchObject({ reason: "upgrade", flinkJobId: v1.flinkJobId });
    const last = t.flink.submissions.at(-1);
    expect(last?.settings["pipeline.name"]).toBe("sluice/up/v2");
    expect(last?.settings["execution.state-recovery.path"]).toBe(savepoint?.path);
    expect(t.flink.jobs.get(v1.flinkJobId as string)?.state).toBe("FINISHED");
    const same = await put("/v1/jobs/up", datagenSpec("up", { rowsPerSecond: 20 }));
    expect(same.statusCode).toBe(200);
    expect(same.json().version).toBe(2);
  });

  it("compiles each version with its number: default consumer group ids are per version", async () => {
    t = await testApp();
    // A client-sent version is ignored, and does not make the same spec a different one.
    const res = await post("/v1/jobs", { ...kafkaSourceSpec("grp"), version: 7 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ version: 1, spec: { version: 1 } });
    const groupIds = (sql: Array<{ sql: string }>) =>
      sql.flatMap((s) => [...s.sql.matchAll(/'properties\.group\.id' = '([^']+)'/g)].map((m) => m[1]));
    expect(groupIds(res.json().sql)).toEqual(["sluice.grp.v1.readings"]);
    expect((await post("/v1/jobs", { ...kafkaSourceSpec("grp"), version: 3 })).statusCode).toBe(200);
    expect((await post("/v1/jobs", kafkaSourceSpec("grp"))).statusCode).toBe(200);
    await t.tickUntil(() => t.store.activeOperation("grp") === undefined);
    expect(groupIds(t.flink.submissions.at(-1)?.statements ?? [])).toEqual(["sluice.grp.v1.readings"]);

    const upgrade = await put("/v1/jobs/grp", kafkaSourceSpec("grp", { topic: "sensor_data_2" }));
    expect(upgrade.statusCode).toBe(202);
    expect(upgrade.json()).toMatchObject({ version: 2, spec: { version: 2 } });
    expect(groupIds(upgrade.json().sql)).toEqual(["sluice.grp.v2.readings"]);
    await t.tickUntil(() => t.store.activeOperation("grp") === undefined);
    expect(t.flink.submissions.at(-1)?.settings["pipeline.name"]).toBe("sluice/grp/v2");
    expect(groupIds(t.flink.submissions.at(-1)?.statements ?? [])).toEqual(["sluice.grp.v2.readings"]);
  });

  it("a state-incompatible upgrade fails clearly and restores the old version from the savepoint", async () => {
    t = await testApp();
    await createRunning("risky");
    // Every savepoint the fake takes is "incompatible" with the new program.
    // The new program (v2) cannot map the old state; v1 can.
    const originalSubmit = t.flink.submit.bind(t.flink);
    t.flink.submit = async (request) => {
      const submitted = await originalSubmit(request);
      const path = request.settings["execution.state-recovery.path"];
      if (path && request.settings["pipeline.name"] === "sluice/risky/v2") {
        t.flink.failJob(
          submitted.jobId,
          `java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint ${path}. Cannot map checkpoint/savepoint state for operator 1 to the new program`,
        );
      }
      return submitted;
    };
    await put("/v1/jobs/risky", datagenSpec("risky", { rowsPerSecond: 5 }));
    const job = await settle("risky");
    expect(job).toMatchObject({
      version: 1,
      state: "RUNNING",
      lastOperation: { kind: "upgrade", status: "failed" },
    });
    const error = (job.lastOperation as { error: string }).error;
    expect(error).toContain("Cannot map checkpoint/savepoint state");
    expect(error).toContain("v1 restored from savepoint");
    expect(job.versions).toEqual([
      expect.objectContaining({ version: 1, status: "accepted" }),
      expect.objectContaining({ version: 2, status: "rejected" }),
    ]);
    expect(t.flink.activeJobs().map((j) => j.name)).toEqual(["sluice/risky/v1"]);
    expect(t.flink.submissions.at(-1)?.settings["execution.state-recovery.path"]).toBe(
      t.store.listSavepoints("risky")[0]?.path,
    );
  });

  it("?stateless=true starts the new version with empty state", async () => {
    t = await testApp();
    await createRunning("fresh");
    await put("/v1/jobs/fresh?stateless=true", datagenSpec("fresh", { rowsPerSecond: 7 }));
    await t.tickUntil(() => t.store.activeOperation("fresh") === undefined);
    expect(t.flink.submissions.at(-1)?.settings["pipeline.name"]).toBe("sluice/fresh/v2");
    expect(t.flink.submissions.at(-1)?.settings["execution.state-recovery.path"]).toBeUndefined();
  });

  it("refuses a mismatched name, an unknown job and a concurrent operation", async () => {
    t = await testApp();
    await post("/v1/jobs", datagenSpec("busy"));
    expectProblem(await put("/v1/jobs/busy", datagenSpec("other")), 409, "NAME_MISMATCH");
    expectProblem(await put("/v1/jobs/ghost", datagenSpec("ghost")), 404, "JOB_NOT_FOUND");
    expectProblem(
      await put("/v1/jobs/busy", datagenSpec("busy", { rowsPerSecond: 3 })),
      409,
      "OPERATION_IN_PROGRESS",
    );
    expectProblem(await put("/v1/jobs/busy", invalidSpec("busy")), 400, "INVALID_SPEC");
  });

  it("a description-only change is recorded and the Flink job carries on (200, no savepoint)", async () => {
    t = await testApp();
    const v1 = await createRunning("described");
    const res = await put("/v1/jobs/described", { ...datagenSpec("described"), description: "new words" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, description: "new words", operation: null });
    await t.tick();
    await t.tick();
    expect(t.flink.calls).not.toContain("stopWithSavepoint");
    expect(t.flink.submissions).toHaveLength(1);
    expect(await getJob("described")).toMatchObject({
      state: "RUNNING",
      flinkJobId: v1.flinkJobId,
      version: 2,
    });
  });

  it("a stopped job only records the new version (200)", async () => {
    t = await testApp();
    await createRunning("idle");
    await post("/v1/jobs/idle/stop", {});
    await t.tickUntil(() => t.store.activeOperation("idle") === undefined);
    const res = await put("/v1/jobs/idle", datagenSpec("idle", { rowsPerSecond: 4 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, state: "STOPPED" });
  });
});

describe("events, delete, outside changes", () => {
  it("notices a job cancelled outside Sluice and shows it FAILED with the reason, in the event log", async () => {
    t = await testApp();
    const job = await createRunning("victim");
    t.flink.cancelOutside(job.flinkJobId as string);
    await t.tick();
    const after = await getJob("victim");
    expect(after.state).toBe("FAILED");
    expect(after.reason).toContain("CANCELED, outside Sluice");
    const events = (await t.app.inject("/v1/jobs/victim/events")).json().events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["created", "submitted", "flink-job-ended"]),
    );
    // A cancelled job is not restarted automatically: someone chose to cancel it.
    await t.tick();
    expect(t.flink.submissions).toHaveLength(1);
    const page = (await t.app.inject(`/v1/jobs/victim/events?after=${events[0].id}&limit=1`)).json().events;
    expect(page).toHaveLength(1);
    expect(page[0].id).toBe(events[1].id);
  });

  it("shows Flink's exceptions of a failed job", async () => {
    t = await testApp({ env: { SLUICE_RESTART_LIMIT: "0" } });
    const job = await createRunning("broken");
    t.flink.failJob(job.flinkJobId as string, "java.lang.ArithmeticException: / by zero");
    await t.tick();
    const after = await getJob("broken");
    expect(after.state).toBe("FAILED");
    expect(after.exceptions).toEqual([
      expect.objectContaining({ message: "java.lang.ArithmeticException: / by zero" }),
    ]);
    // The pass read them; reads serve that copy and never ask Flink themselves.
    const asked = t.flink.calls.filter((c) => c === "exceptions").length;
    await getJob("broken");
    await getJob("broken");
    expect(t.flink.calls.filter((c) => c === "exceptions")).toHaveLength(asked);
  });

  it("deletes: stops with a savepoint, then forgets the job", async () => {
    t = await testApp();
    const job = await createRunning("gone");
    const res = await t.app.inject({ method: "DELETE", url: "/v1/jobs/gone", headers: auth });
    expect(res.statusCode).toBe(202);
    expect(res.json().state).toBe("STOPPING");
    await t.tickUntil(() => t.store.getJob("gone") === undefined);
    expect(t.flink.jobs.get(job.flinkJobId as string)?.state).toBe("FINISHED");
    expectProblem(await t.app.inject("/v1/jobs/gone"), 404, "JOB_NOT_FOUND");
    expect((await t.app.inject("/v1/jobs")).json().jobs).toEqual([]);
    expect((await post("/v1/jobs", datagenSpec("gone"))).statusCode).toBe(202);
  });

  it("lists jobs and strays", async () => {
    t = await testApp();
    await createRunning("listed");
    t.flink.addJob("sluice/unknown-job/v3", "RUNNING");
    await t.tick();
    const list = (await t.app.inject("/v1/jobs")).json();
    expect(list.jobs).toEqual([expect.objectContaining({ name: "listed", state: "RUNNING", version: 1 })]);
    expect(list.strays).toEqual([
      expect.objectContaining({ pipelineName: "sluice/unknown-job/v3", state: "RUNNING" }),
    ]);
  });

  it("lists enrichment tasks; trending themes are not implemented yet (501)", async () => {
    t = await testApp();
    expect((await t.app.inject("/v1/enrichment-tasks")).json()).toEqual({ tasks: [] });
    expectProblem(await t.app.inject("/v1/themes/trending"), 501, "NOT_IMPLEMENTED");
  });
});

describe("reads right after a submission", () => {
  it("shows a just-submitted run as SUBMITTING, not missing, while the last observation predates it", async () => {
    t = await testApp();
    await post("/v1/jobs", datagenSpec("fresh-run"));
    await t.app.reconciler.observe(); // observation taken before the submission
    const before = t.app.reconciler.last;
    t.clock.advance(10);
    await t.tick(); // submits
    t.app.reconciler.last = before; // as if a read used the cached, older observation
    const { jobSummary } = await import("./routes/views.ts");
    const job = t.store.getJob("fresh-run");
    if (!job) throw new Error("job missing");
    expect(jobSummary(t.store, job, before, 5)).toMatchObject({ state: "SUBMITTING", flinkState: null });
  });
});
