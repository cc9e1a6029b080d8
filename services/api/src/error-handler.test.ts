import { describe, expect, it } from "vitest";
import { toApiError } from "./error-handler.ts";
import { ApiError, ConfigError, KafkaUnavailableError, problemDocument } from "./errors.ts";
import { FlinkError } from "./flink/port.ts";

describe("one error family", () => {
  it("its members are ApiErrors with a code, a status and retryable", () => {
    const kafka = new KafkaUnavailableError("broker down", ["k:9092"], new Error("ECONNREFUSED"));
    expect(kafka).toBeInstanceOf(ApiError);
    expect(kafka).toMatchObject({ code: "KAFKA_UNREACHABLE", status: 503, retryable: true });
    expect(problemDocument(kafka)).toMatchObject({ tried: ["k:9092"], detail: "broker down" });
    const config = new ConfigError([{ path: "SLUICE_API_PORT", code: "invalid", message: "not a port" }]);
    expect(config).toBeInstanceOf(ApiError);
    expect(config).toMatchObject({ code: "INVALID_CONFIG", retryable: false });
    expect(new ApiError("JOB_NOT_FOUND", "no")).toMatchObject({ status: 404, retryable: false });
  });

  it.each([
    [
      new FlinkError("FLINK_UNREACHABLE", "refused", { urls: ["http://f:8081"] }),
      "FLINK_UNREACHABLE",
      503,
      true,
    ],
    [new FlinkError("SQL_ERROR", "Object 'x' not found"), "SQL_REJECTED", 422, false],
    [new FlinkError("JOB_NOT_FOUND", "gone"), "FLINK_ERROR", 502, false],
    [new FlinkError("FLINK_ERROR", "busy", { retryable: true }), "FLINK_ERROR", 502, true],
  ] as const)("maps the Flink port's %s at the boundary", (error, code, status, retryable) => {
    const mapped = toApiError(error);
    expect(mapped).toMatchObject({ code, status, retryable, cause: error });
  });

  it("keeps the URLs Flink was tried at", () => {
    const mapped = toApiError(new FlinkError("FLINK_UNREACHABLE", "refused", { urls: ["http://f:8081"] }));
    expect(problemDocument(mapped).tried).toEqual(["http://f:8081"]);
  });

  it("answers anything else as INTERNAL without its message or stack", () => {
    const mapped = toApiError(new TypeError("cannot read properties of undefined (secret=abc)"));
    expect(mapped).toMatchObject({ code: "INTERNAL", status: 500 });
    expect(JSON.stringify(problemDocument(mapped))).not.toMatch(/secret|TypeError|at /);
  });
});
