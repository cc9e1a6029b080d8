import { describe, expect, it } from "vitest";
import { DemoConfigError, demoConfig } from "./config.ts";

describe("demoConfig", () => {
  it("has working defaults: the local stack, port 8080, a generated token", () => {
    const c = demoConfig({});
    expect(c.api.url).toBe("http://127.0.0.1:8080");
    expect(c.stack).toEqual({
      flinkRestUrl: "http://127.0.0.1:8081",
      sqlGatewayUrl: "http://127.0.0.1:8083",
      kafkaBrokers: ["127.0.0.1:9092"],
    });
    expect(c.stackExplicit).toBe(false);
    expect(c.token.length).toBeGreaterThanOrEqual(24);
    expect(demoConfig({}).token).not.toBe(c.token);
    expect(c.openai).toBeUndefined();
    expect(c.dbPath.endsWith("/.sluice/demo/api/sluice.db")).toBe(true);
  });

  it("reads rates, the state folder, explicit endpoints and OpenAI settings", () => {
    const c = demoConfig({
      SLUICE_STATE_DIR: "/tmp/d1",
      SLUICE_DEMO_SENSOR_RATE: "200",
      SLUICE_KAFKA_BROKERS: "k1:9092, k2:9092",
      SLUICE_DEMO_SUFFIX: "t1",
      OPENAI_API_KEY: "sk-test",
      ENRICHER_MODEL: "gpt-4o",
      SLUICE_API_TOKEN: "",
    });
    expect(c.dbPath).toBe("/tmp/d1/api/sluice.db");
    expect(c.rates.sensorPerSecond).toBe(200);
    expect(c.stack.kafkaBrokers).toEqual(["k1:9092", "k2:9092"]);
    expect(c.stackExplicit).toBe(true);
    expect(c.suffix).toBe("t1");
    expect(c.openai).toEqual({ apiKey: "sk-test", baseUrl: undefined, model: "gpt-4o" });
  });

  it("names every bad variable", () => {
    let error: unknown;
    try {
      demoConfig({
        SLUICE_API_PORT: "99999",
        SLUICE_DEMO_SENSOR_RATE: "-1",
        SLUICE_DEMO_SUFFIX: "Bad-Suffix",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoConfigError);
    const message = (error as Error).message;
    expect(message).toContain("SLUICE_API_PORT");
    expect(message).toContain("SLUICE_DEMO_SENSOR_RATE");
    expect(message).toContain("SLUICE_DEMO_SUFFIX");
  });
});
