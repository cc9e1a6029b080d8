import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { extractFlinkMessage, FlinkClientError } from "./errors.ts";

// A real answer of Flink 2.2.0's SQL Gateway to fetching the result of `SELECT * FROM nope`.
const unknownTable = JSON.parse(
  readFileSync(new URL("../test/fixtures/gateway-unknown-table-error.json", import.meta.url), "utf8"),
) as { errors: string[] };

describe("extractFlinkMessage", () => {
  it("reduces the gateway's stack trace to the validation message", () => {
    expect(extractFlinkMessage(unknownTable.errors)).toBe(
      "SQL validation failed. From line 1, column 15 to line 1, column 18: Object 'nope' not found",
    );
  });

  it("takes the deepest cause when no outer message contains it", () => {
    const errors = [
      "org.apache.flink.runtime.rest.handler.RestHandlerException: Failed to getOperationInfo.\n\tat a.b(C.java:1)\n" +
        "Caused by: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to getOperationInfo.\n\tat a.b(C.java:2)\n" +
        "Caused by: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Session 'abc' does not exist.\n\tat a.b(C.java:3)\n",
    ];
    expect(extractFlinkMessage(errors)).toBe("Session 'abc' does not exist.");
  });

  it("reads the first line of a REST API exception", () => {
    const errors = [
      "org.apache.flink.runtime.rest.NotFoundException: Job 0000 not found\n\tat org.apache.flink.X.y(X.java:99)",
    ];
    expect(extractFlinkMessage(errors)).toBe("Job 0000 not found");
  });

  it("keeps plain messages and skips generic wrappers", () => {
    expect(extractFlinkMessage(["Internal server error.", "Request did not match expected format."])).toBe(
      "Request did not match expected format.",
    );
    expect(extractFlinkMessage(["Not found: /v4/nope"])).toBe("Not found: /v4/nope");
    expect(extractFlinkMessage([])).toBeUndefined();
  });
});

describe("FlinkClientError", () => {
  it("derives retryable from the code and serialises without the cause", () => {
    const unreachable = new FlinkClientError("FLINK_UNREACHABLE", "down", {
      url: "http://x",
      cause: new Error("x"),
    });
    const sql = new FlinkClientError("SQL_ERROR", "bad", { status: 500, flinkMessage: "bad" });
    expect(unreachable.retryable).toBe(true);
    expect(sql.retryable).toBe(false);
    expect(sql).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(unreachable))).toEqual({
      name: "FlinkClientError",
      code: "FLINK_UNREACHABLE",
      message: "down",
      url: "http://x",
      attempts: 1,
      retryable: true,
    });
  });
});
