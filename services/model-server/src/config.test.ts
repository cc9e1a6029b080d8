import { describe, expect, it } from "vitest";
import { optionsFromEnv } from "./config.ts";

describe("optionsFromEnv", () => {
  it("applies defaults and reads the MODEL_SERVER_* variables", () => {
    expect(optionsFromEnv({})).toMatchObject({ port: 8090, rpm: 0, tpm: 0, latencyMs: 0, seed: 42 });
    const options = optionsFromEnv({
      MODEL_SERVER_PORT: "0",
      MODEL_SERVER_RPM: "600",
      MODEL_SERVER_TPM: "150000",
      MODEL_SERVER_LATENCY_MS: "400",
      MODEL_SERVER_FAULT_RATE_5XX: "0.1",
      MODEL_SERVER_API_KEY: "sk-x",
      MODEL_SERVER_SEED: "",
    });
    expect(options).toMatchObject({
      port: 0,
      rpm: 600,
      tpm: 150_000,
      latencyMs: 400,
      apiKey: "sk-x",
      seed: 42,
    });
    expect(options.faults).toMatchObject({ "5xx": 0.1, timeout: 0 });
  });

  it("names every bad variable in one clear error", () => {
    expect(() => optionsFromEnv({ MODEL_SERVER_RPM: "lots", MODEL_SERVER_FAULT_RATE_TIMEOUT: "2" })).toThrow(
      /MODEL_SERVER_RPM[\s\S]*MODEL_SERVER_FAULT_RATE_TIMEOUT/,
    );
    expect(() =>
      optionsFromEnv({ MODEL_SERVER_FAULT_RATE_5XX: "0.6", MODEL_SERVER_FAULT_RATE_TRUNCATED: "0.6" }),
    ).toThrow(/add up to at most 1/);
  });
});
