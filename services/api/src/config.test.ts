import { describe, expect, it } from "vitest";
import { hashToken, loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

describe("loadConfig", () => {
  it("applies defaults and hashes tokens", () => {
    const config = loadConfig({ SLUICE_API_TOKENS: "token-aaaa, token-bbbb" });
    expect(config).toMatchObject({
      port: 8080,
      flinkRestUrl: "http://127.0.0.1:8081",
      sqlGatewayUrl: "http://127.0.0.1:8083",
      kafkaBrokers: ["127.0.0.1:9092"],
      dbPath: ".sluice/api/sluice.db",
      reconcileIntervalMs: 2000,
      authEnabled: true,
      readAuth: false,
    });
    expect(config.tokenHashes).toEqual([hashToken("token-aaaa"), hashToken("token-bbbb")]);
    expect(JSON.stringify(config)).not.toContain("token-aaaa");
  });

  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      loadConfig({
        SLUICE_API_PORT: "eighty",
        SLUICE_FLINK_REST_URL: "ftp://x",
        SLUICE_KAFKA_BROKERS: "nohost",
        SLUICE_API_READ_AUTH: "maybe",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).message;
    expect((error as ConfigError).problems?.map((p) => p.path).sort()).toEqual([
      "SLUICE_API_PORT",
      "SLUICE_API_READ_AUTH",
      "SLUICE_FLINK_REST_URL",
      "SLUICE_KAFKA_BROKERS",
    ]);
    for (const name of [
      "SLUICE_API_PORT",
      "SLUICE_FLINK_REST_URL",
      "SLUICE_KAFKA_BROKERS",
      "SLUICE_API_READ_AUTH",
    ]) {
      expect(problems).toContain(name);
    }
  });

  it("requires tokens unless SLUICE_API_AUTH=none", () => {
    expect(() => loadConfig({})).toThrow(/SLUICE_API_TOKENS is required/);
    expect(loadConfig({ SLUICE_API_AUTH: "none" }).authEnabled).toBe(false);
    expect(() => loadConfig({ SLUICE_API_TOKENS: "short" })).toThrow(/at least 8/);
  });
});
