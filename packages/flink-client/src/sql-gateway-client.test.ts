import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeFlinkSetup, startFakeFlink, stopFakeFlink } from "../test/fake-flink.ts";
import { type FlinkClientError, isFlinkClientError } from "./errors.ts";
import { rowsAsObjects } from "./gateway-types.ts";
import { SqlGatewayClient } from "./sql-gateway-client.ts";

const unknownTable = JSON.parse(
  readFileSync(new URL("../test/fixtures/gateway-unknown-table-error.json", import.meta.url), "utf8"),
);

const S = "11111111-1111-1111-1111-111111111111";
const OP = "22222222-2222-2222-2222-222222222222";
const resultPath = (token: number) => `/v4/sessions/${S}/operations/${OP}/result/${token}?rowFormat=JSON`;
const columns = [
  { name: "device_id", logicalType: { type: "VARCHAR", nullable: true, length: 100 }, comment: null },
  { name: "temperature", logicalType: { type: "DOUBLE", nullable: true }, comment: null },
];
const page = (resultType: "PAYLOAD" | "EOS", rows: unknown[][], next?: number, jobID?: string) => ({
  status: 200,
  body: {
    resultType,
    isQueryResult: true,
    jobID,
    resultKind: "SUCCESS_WITH_CONTENT",
    results: { columns, rowFormat: "JSON", data: rows.map((fields) => ({ kind: "INSERT", fields })) },
    nextResultUri: next === undefined ? undefined : resultPath(next),
  },
});
const notReady = (token: number) => ({
  status: 200,
  body: { resultType: "NOT_READY", nextResultUri: resultPath(token) },
});

let t: FakeFlinkSetup<SqlGatewayClient>;

beforeEach(async () => {
  t = await startFakeFlink((baseUrl, environment) => new SqlGatewayClient({ baseUrl, environment }));
  t.fake
    .on("POST /v4/sessions", { status: 200, body: { sessionHandle: S } })
    .on(`DELETE /v4/sessions/${S}`, { status: 200, body: { status: "CLOSED" } })
    .on(`POST /v4/sessions/${S}/statements`, { status: 200, body: { operationHandle: OP } });
});
afterEach(() => stopFakeFlink(t));

describe("fetchAllResults", () => {
  it("follows nextResultUri through NOT_READY and PAYLOAD pages to EOS", async () => {
    t.fake
      .on(`GET ${resultPath(0)}`, notReady(0))
      .on(`GET ${resultPath(0)}`, notReady(0))
      .on(`GET ${resultPath(0)}`, [notReady(0), notReady(0), page("PAYLOAD", [["d-1", 101.5]], 1, "abc")])
      .on(`GET ${resultPath(1)}`, [notReady(1), page("PAYLOAD", [["d-2", 120]], 2)])
      .on(`GET ${resultPath(2)}`, page("EOS", []));
    const result = await t.client.runStatement("SELECT device_id, temperature FROM t");
    expect(rowsAsObjects(result)).toEqual([
      { device_id: "d-1", temperature: 101.5 },
      { device_id: "d-2", temperature: 120 },
    ]);
    expect(result.complete).toBe(true);
    expect(result.jobId).toBe("abc");
    // Backoff between NOT_READY polls, reset after data arrives.
    expect(t.clock.sleeps).toEqual([50, 100, 50]);
    expect(t.fake.count(`DELETE /v4/sessions/${S}`)).toBe(1);
  });

  it("stops at maxRows and says the result is incomplete", async () => {
    let token = 0;
    t.fake.on(/^GET .*\/result\/\d+/, () => {
      token++;
      return page("PAYLOAD", [["d", token]], token);
    });
    const result = await t.client.runStatement("SELECT * FROM endless", { maxRows: 5 });
    expect(result.rows).toHaveLength(5);
    expect(result.complete).toBe(false);
    // Reading stopped early: the operation is closed so Flink cancels the query's job.
    expect(t.fake.count(`DELETE /v4/sessions/${S}/operations/${OP}/close`)).toBe(1);
  });

  it("stops at the time bound while the result stays NOT_READY", async () => {
    t.fake.on(`GET ${resultPath(0)}`, notReady(0));
    const result = await t.client.runStatement("SELECT * FROM quiet", { timeoutMs: 1_000 });
    expect(result).toMatchObject({ rows: [], complete: false });
    expect(t.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(1_000);
  });
});

describe("errors", () => {
  it("maps the gateway's stack trace to SQL_ERROR with Flink's message", async () => {
    t.fake.on(`GET ${resultPath(0)}`, { status: 500, body: unknownTable });
    const error = (await t.client
      .runStatement("SELECT * FROM nope")
      .catch((e: unknown) => e)) as FlinkClientError;
    expect(isFlinkClientError(error)).toBe(true);
    expect(error.code).toBe("SQL_ERROR");
    expect(error.status).toBe(500);
    expect(error.flinkMessage).toContain("Object 'nope' not found");
    expect(error.message).toContain("Object 'nope' not found");
    expect(error.retryable).toBe(false);
    // A statement error is not retried.
    expect(t.fake.count(`GET ${resultPath(0)}`)).toBe(1);
  });

  it("maps an unknown session to SESSION_NOT_FOUND", async () => {
    t.fake.on(`POST /v4/sessions/${S}/heartbeat`, {
      status: 500,
      body: {
        errors: [
          `org.apache.flink.runtime.rest.handler.RestHandlerException: Failed.\nCaused by: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Session '${S}' does not exist.\n\tat x.y(Z.java:1)`,
        ],
      },
    });
    await expect(t.client.heartbeat({ sessionHandle: S })).rejects.toMatchObject({
      code: "SESSION_NOT_FOUND",
      flinkMessage: `Session '${S}' does not exist.`,
    });
  });

  it("turns an unexpected body into BAD_RESPONSE", async () => {
    t.fake.on("POST /v4/sessions", { status: 200, body: { handle: 42 } });
    const error = (await t.client.openSession().catch((e: unknown) => e)) as FlinkClientError;
    expect(error.code).toBe("BAD_RESPONSE");
    expect(error.message).toContain("sessionHandle");
  });

  it("applies the redact hook to Flink's messages", async () => {
    t.fake.on(`GET ${resultPath(0)}`, {
      status: 500,
      body: { errors: ["org.apache.flink.table.api.ValidationException: bad option 'password'='hunter2'"] },
    });
    const redacting = new SqlGatewayClient({
      baseUrl: t.fake.url,
      environment: t.clock.env,
      redact: (m) => m.replaceAll("hunter2", "***"),
    });
    const error = (await redacting.runStatement("SELECT 1").catch((e: unknown) => e)) as FlinkClientError;
    await redacting.close();
    expect(error.code).toBe("SQL_ERROR");
    expect(JSON.stringify([error.message, error.flinkMessage, error.flinkErrors])).not.toContain("hunter2");
    expect(error.flinkMessage).toBe("bad option 'password'='***'");
  });
});

describe("executeStatementSet", () => {
  it("configures a fresh session, runs DDL, submits one statement set, returns the job id, closes the session", async () => {
    let statementNo = 0;
    t.fake.on(`POST /v4/sessions/${S}/statements`, () => ({
      status: 200,
      body: { operationHandle: `op-${++statementNo}` },
    }));
    t.fake.on(/\/operations\/op-[12]\/result\/0/, {
      status: 200,
      body: {
        resultType: "PAYLOAD",
        isQueryResult: false,
        resultKind: "SUCCESS",
        results: {
          columns: [{ name: "result", logicalType: { type: "VARCHAR" } }],
          data: [{ kind: "INSERT", fields: ["OK"] }],
        },
      },
    });
    t.fake.on(/\/operations\/op-3\/result\/0/, [
      {
        status: 200,
        body: {
          resultType: "NOT_READY",
          nextResultUri: `/v4/sessions/${S}/operations/op-3/result/0?rowFormat=JSON`,
        },
      },
      {
        status: 200,
        body: {
          resultType: "PAYLOAD",
          isQueryResult: false,
          jobID: "f00d",
          resultKind: "SUCCESS_WITH_CONTENT",
          results: {
            columns: [{ name: "job id", logicalType: { type: "VARCHAR" } }],
            data: [{ kind: "INSERT", fields: ["f00d"] }],
          },
        },
      },
    ]);
    const { jobId } = await t.client.executeStatementSet(
      [
        "CREATE TABLE a (x INT)",
        "CREATE TABLE b (x INT)",
        "INSERT INTO b SELECT x FROM a",
        "INSERT INTO b SELECT x + 1 FROM a",
      ],
      { sets: { "pipeline.name": "sensors@1" } },
    );
    expect(jobId).toBe("f00d");
    const open = t.fake.requests.find((r) => r.method === "POST" && r.path === "/v4/sessions");
    expect(open?.body).toMatchObject({ properties: { "pipeline.name": "sensors@1" } });
    const submitted = t.fake.requests
      .filter((r) => r.path === `/v4/sessions/${S}/statements`)
      .map((r) => (r.body as { statement: string }).statement);
    expect(submitted).toEqual([
      "CREATE TABLE a (x INT)",
      "CREATE TABLE b (x INT)",
      "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO b SELECT x FROM a;\nINSERT INTO b SELECT x + 1 FROM a;\nEND",
    ]);
    expect(t.fake.count(`DELETE /v4/sessions/${S}`)).toBe(1);
  });

  it("runs beforeExecute after the DDL; when it throws, starts no job and closes the session", async () => {
    let statementNo = 0;
    t.fake.on(`POST /v4/sessions/${S}/statements`, () => ({
      status: 200,
      body: { operationHandle: `op-${++statementNo}` },
    }));
    t.fake.on(/\/operations\/op-1\/result\/0/, {
      status: 200,
      body: {
        resultType: "PAYLOAD",
        isQueryResult: false,
        resultKind: "SUCCESS",
        results: { columns: [{ name: "result", logicalType: { type: "VARCHAR" } }], data: [] },
      },
    });
    let statementsBeforeHook = -1;
    const error = await t.client
      .executeStatementSet(["CREATE TABLE a (x INT)", "INSERT INTO a SELECT 1"], {
        beforeExecute: async () => {
          statementsBeforeHook = t.fake.count(`POST /v4/sessions/${S}/statements`);
          throw new Error("already running");
        },
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe("already running");
    expect(statementsBeforeHook).toBe(1);
    const submitted = t.fake.requests
      .filter((r) => r.path === `/v4/sessions/${S}/statements`)
      .map((r) => (r.body as { statement: string }).statement);
    expect(submitted).toEqual(["CREATE TABLE a (x INT)"]);
    expect(t.fake.count(`DELETE /v4/sessions/${S}`)).toBe(1);
  });

  it("says which statement failed and still closes the session", async () => {
    t.fake.on(/\/result\/0/, { status: 500, body: unknownTable });
    const error = (await t.client
      .executeStatementSet(["CREATE TABLE a (x INT)", "INSERT INTO b SELECT * FROM nope"])
      .catch((e: unknown) => e)) as FlinkClientError;
    expect(error.code).toBe("SQL_ERROR");
    expect(error.message).toMatch(/^Statement 1 of 2: /);
    expect(t.fake.count(`DELETE /v4/sessions/${S}`)).toBe(1);
  });
});
