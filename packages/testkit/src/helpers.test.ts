import { describe, expect, it } from "vitest";
import { stackEndpoints } from "./endpoints.ts";
import { uniqueName } from "./names.ts";
import { waitFor } from "./wait.ts";

describe("uniqueName", () => {
  it("is a valid topic and unquoted Flink identifier, different every call", () => {
    const a = uniqueName("Sensor-Data");
    expect(a).toMatch(/^sensor_data_[a-z0-9]+_[0-9a-f]{6}$/);
    expect(uniqueName("x")).not.toBe(uniqueName("x"));
  });
});

describe("stackEndpoints", () => {
  it("prefers the explicit URLs, else the launcher's ports", () => {
    expect(stackEndpoints({})).toEqual({
      flinkRestUrl: "http://127.0.0.1:8081",
      sqlGatewayUrl: "http://127.0.0.1:8083",
      kafkaBrokers: ["127.0.0.1:9092"],
    });
    expect(
      stackEndpoints({
        SLUICE_FLINK_REST_URL: "http://flink:8081/",
        SLUICE_SQL_GATEWAY_PORT: "18083",
        SLUICE_KAFKA_BROKERS: "a:9092, b:9092",
      }),
    ).toEqual({
      flinkRestUrl: "http://flink:8081",
      sqlGatewayUrl: "http://127.0.0.1:18083",
      kafkaBrokers: ["a:9092", "b:9092"],
    });
  });
});

describe("waitFor", () => {
  it("returns the first truthy value, treating throws as not yet", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error("not yet");
        return calls >= 3 ? { calls } : undefined;
      },
      { interval: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it("names what it waited for and the last error on timeout", async () => {
    await expect(
      waitFor(
        () => {
          throw new Error("connection refused");
        },
        { timeout: 20, interval: 5, description: "the broker" },
      ),
    ).rejects.toThrow(/waiting for the broker; last error: connection refused/);
  });
});
