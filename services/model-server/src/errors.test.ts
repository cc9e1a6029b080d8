import { describe, expect, it } from "vitest";
import { ModelServerError } from "./errors.ts";

describe("ModelServerError", () => {
  it("answers in OpenAI's error shape, status and code from its own code", () => {
    const error = new ModelServerError("model_not_found", "The model 'x' does not exist");
    expect([error.status, error.retryable]).toEqual([404, false]);
    expect(error.body()).toEqual({
      error: {
        message: "The model 'x' does not exist",
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      },
    });
  });

  it("lets a rate limit name the exhausted budget as its type and carry retry headers", () => {
    const error = new ModelServerError("rate_limited", "Rate limit reached", {
      type: "tokens",
      headers: { "retry-after": "2" },
    });
    expect([error.status, error.retryable, error.headers]).toEqual([429, true, { "retry-after": "2" }]);
    expect(error.body().error).toMatchObject({ type: "tokens", code: "rate_limit_exceeded" });
  });

  it("has no HTTP status for a configuration error", () => {
    expect(new ModelServerError("config_invalid", "bad").status).toBeUndefined();
  });
});
