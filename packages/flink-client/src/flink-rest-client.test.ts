import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPort, type FakeFlinkSetup, startFakeFlink, stopFakeFlink } from "../test/fake-flink.ts";
import type { FlinkClientError } from "./errors.ts";
import { FlinkRestClient } from "./flink-rest-client.ts";

const JOB = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const job = (state: string) => ({
  status: 200,
  body: {
    jid: JOB,
    name: "sensors@1",
    state,
    "start-time": 1,
    "end-time": -1,
    vertices: [],
    extra: { ignored: true },
  },
});

let t: FakeFlinkSetup<FlinkRestClient>;

beforeEach(async () => {
  t = await startFakeFlink((baseUrl, environment) => new FlinkRestClient({ baseUrl, environment }));
});
afterEach(() => stopFakeFlink(t));

describe("FlinkRestClient", () => {
  it("maps 404 to JOB_NOT_FOUND with Flink's message, without retrying", async () => {
    t.fake.on(`GET /jobs/${JOB}`, {
      status: 404,
      body: {
        errors: [`org.apache.flink.runtime.rest.NotFoundException: Job ${JOB} not found\n\tat x.y(Z.java:1)`],
      },
    });
    await expect(t.client.getJob(JOB)).rejects.toMatchObject({
      code: "JOB_NOT_FOUND",
      status: 404,
      flinkMessage: `Job ${JOB} not found`,
      attempts: 1,
    });
    expect(t.fake.count(`GET /jobs/${JOB}`)).toBe(1);
  });

  it("retries a GET answered 503 and tolerates unknown keys", async () => {
    t.fake.on(`GET /jobs/${JOB}`, [{ status: 503, body: { errors: ["leader election"] } }, job("RUNNING")]);
    const details = await t.client.getJob(JOB);
    expect(details.state).toBe("RUNNING");
    expect(t.fake.count(`GET /jobs/${JOB}`)).toBe(2);
  });

  it("retries a GET whose connection was reset", async () => {
    t.fake.on(`GET /jobs/${JOB}`, ["reset", job("RUNNING")]);
    expect((await t.client.getJob(JOB)).state).toBe("RUNNING");
  });

  it("does not resend a stop whose connection was reset (it may have been processed)", async () => {
    t.fake.on(`POST /jobs/${JOB}/stop`, "reset");
    await expect(t.client.stopWithSavepoint(JOB, { drain: false })).rejects.toMatchObject({
      code: "FLINK_UNREACHABLE",
    });
    expect(t.fake.count(`POST /jobs/${JOB}/stop`)).toBe(1);
  });

  it("does not retry a 500", async () => {
    t.fake.on("GET /overview", { status: 500, body: { errors: ["Internal server error."] } });
    await expect(t.client.overview()).rejects.toMatchObject({ code: "OPERATION_FAILED", status: 500 });
    expect(t.fake.count("GET /overview")).toBe(1);
  });

  it("stops with a savepoint and polls the trigger to the savepoint path", async () => {
    t.fake.on(`POST /jobs/${JOB}/stop`, { status: 202, body: { "request-id": "t-1" } });
    t.fake.on(`GET /jobs/${JOB}/savepoints/t-1`, [
      { status: 200, body: { status: { id: "IN_PROGRESS" } } },
      { status: 200, body: { status: { id: "IN_PROGRESS" } } },
      {
        status: 200,
        body: { status: { id: "COMPLETED" }, operation: { location: "file:/sp/savepoint-a1b2c3-1" } },
      },
    ]);
    const path = await t.client.stopWithSavepointAndWait(JOB, { targetDirectory: "file:///sp", drain: true });
    expect(path).toBe("file:/sp/savepoint-a1b2c3-1");
    const stop = t.fake.requests.find((r) => r.path === `/jobs/${JOB}/stop`);
    expect(stop?.body).toEqual({ targetDirectory: "file:///sp", drain: true });
    expect(t.clock.sleeps).toEqual([500, 500]);
  });

  it("reports a failed savepoint as SAVEPOINT_FAILED with the root cause", async () => {
    t.fake.on(`GET /jobs/${JOB}/savepoints/t-2`, {
      status: 200,
      body: {
        status: { id: "COMPLETED" },
        operation: {
          "failure-cause": {
            class: "java.util.concurrent.CompletionException",
            "stack-trace":
              "java.util.concurrent.CompletionException: x\n\tat a.b(C.java:1)\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Task has failed.\n\tat a.b(C.java:2)",
          },
        },
      },
    });
    const error = (await t.client.waitForSavepoint(JOB, "t-2").catch((e: unknown) => e)) as FlinkClientError;
    expect(error.code).toBe("SAVEPOINT_FAILED");
    expect(error.flinkMessage).toBe("Task has failed.");
  });

  it("gives up waiting for a savepoint at the time bound", async () => {
    t.fake.on(`GET /jobs/${JOB}/savepoints/t-3`, { status: 200, body: { status: { id: "IN_PROGRESS" } } });
    await expect(t.client.waitForSavepoint(JOB, "t-3", { timeoutMs: 2_000 })).rejects.toMatchObject({
      code: "FLINK_TIMEOUT",
    });
  });

  it("reads the latest completed checkpoint's path", async () => {
    t.fake.on(`GET /jobs/${JOB}/checkpoints`, {
      status: 200,
      body: {
        counts: { completed: 3, failed: 0, in_progress: 0, restored: 0, total: 3 },
        latest: {
          completed: { id: 3, status: "COMPLETED", external_path: "file:/cp/chk-3" },
          savepoint: null,
        },
      },
    });
    expect(await t.client.latestCompletedCheckpoint(JOB)).toMatchObject({
      id: 3,
      external_path: "file:/cp/chk-3",
    });
  });

  it("reports an unreachable Flink with the URL tried, after bounded retries", async () => {
    const port = await closedPort();
    const down = new FlinkRestClient({ baseUrl: `http://127.0.0.1:${port}`, environment: t.clock.env });
    const error = (await down.listJobs().catch((e: unknown) => e)) as FlinkClientError;
    await down.close();
    expect(error.code).toBe("FLINK_UNREACHABLE");
    expect(error.url).toBe(`http://127.0.0.1:${port}/jobs/overview`);
    expect(error.attempts).toBe(4);
    expect(error.retryable).toBe(true);
  });
});

describe("FlinkRestClient lifecycle answers", () => {
  it("maps cancelling an ended job (409) to JOB_NOT_RUNNING", async () => {
    t.fake.on(`PATCH /jobs/${JOB}?mode=cancel`, {
      status: 409,
      body: {
        errors: [
          "Job cancellation failed because the job has already reached another terminal state (FINISHED).",
        ],
      },
    });
    await expect(t.client.cancel(JOB)).rejects.toMatchObject({ code: "JOB_NOT_RUNNING", status: 409 });
  });

  it("waits for every task to run, not just the job", async () => {
    const vertices = (status: string) => ({
      status: 200,
      body: { ...job("RUNNING").body, vertices: [{ id: "v", name: "Source: g", parallelism: 1, status }] },
    });
    t.fake.on(`GET /jobs/${JOB}`, [job("CREATED"), vertices("DEPLOYING"), vertices("RUNNING")]);
    const running = await t.client.waitForJobRunning(JOB);
    expect(running.vertices[0]?.status).toBe("RUNNING");
    expect(t.fake.count(`GET /jobs/${JOB}`)).toBe(3);
  });

  it("fails a wait when the job ends in another state", async () => {
    t.fake.on(`GET /jobs/${JOB}`, job("FAILED"));
    await expect(t.client.waitForJobState(JOB, ["RUNNING"])).rejects.toMatchObject({
      code: "OPERATION_FAILED",
    });
  });
});

describe("FlinkRestClient time bounds", () => {
  it("turns a request Flink never answers into FLINK_TIMEOUT, retried for reads only", async () => {
    t.fake.on("GET /overview", "hang").on(`POST /jobs/${JOB}/savepoints`, "hang");
    const slow = new FlinkRestClient({
      baseUrl: t.fake.url,
      environment: t.clock.env,
      requestTimeoutMs: 100,
      retry: { maxAttempts: 2 },
    });
    try {
      await expect(slow.overview()).rejects.toMatchObject({
        code: "FLINK_TIMEOUT",
        attempts: 2,
        retryable: true,
      });
      await expect(slow.triggerSavepoint(JOB)).rejects.toMatchObject({ code: "FLINK_TIMEOUT", attempts: 1 });
      expect(t.fake.count("GET /overview")).toBe(2);
      expect(t.fake.count(`POST /jobs/${JOB}/savepoints`)).toBe(1);
    } finally {
      await slow.close();
    }
  });
});

describe("FlinkRestClient metrics", () => {
  it("reads aggregated vertex metrics, a gauge without a value (NaN) as undefined", async () => {
    t.fake.on(`GET /jobs/${JOB}/vertices/v1/subtasks/metrics`, {
      status: 200,
      body: [
        { id: "Source__readings[1].numRecordsOut", sum: 500.0, max: 300.0, min: 200.0 },
        { id: "busyTimeMsPerSecond", sum: "NaN", max: "NaN", min: "NaN" },
      ],
    });
    await expect(
      t.client.vertexMetrics(JOB, "v1", ["Source__readings[1].numRecordsOut", "busyTimeMsPerSecond"]),
    ).resolves.toEqual([
      { id: "Source__readings[1].numRecordsOut", sum: 500, max: 300, min: 200, avg: undefined },
      { id: "busyTimeMsPerSecond", sum: undefined, max: undefined, min: undefined, avg: undefined },
    ]);
  });

  it("reads job metrics as numbers, leaving out those without a value", async () => {
    t.fake.on(`GET /jobs/${JOB}/metrics`, {
      status: 200,
      body: [{ id: "numRestarts", value: "2" }, { id: "lastCheckpointSize" }, { id: "x", value: "NaN" }],
    });
    await expect(t.client.jobMetrics(JOB, ["numRestarts", "lastCheckpointSize", "x"])).resolves.toEqual({
      numRestarts: 2,
    });
  });
});
