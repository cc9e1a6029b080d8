import { describe, expect, it } from "vitest";
import { stackEndpoints } from "./endpoints.ts";
import { isoInstant, sqlTimestamp } from "./flink.ts";
import { type ConsumedRecord, consumedRecord, latestByKey } from "./kafka.ts";
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

describe("sqlTimestamp", () => {
  it("writes a TIMESTAMP(3) as Flink's JSON format does, trailing zeros of the fraction dropped", () => {
    expect(sqlTimestamp(Date.UTC(2024, 2, 1, 9))).toBe("2024-03-01 09:00:00");
    expect(sqlTimestamp(Date.UTC(2024, 2, 1, 9, 0, 0, 250))).toBe("2024-03-01 09:00:00.25");
    expect(sqlTimestamp(Date.UTC(2013, 6, 4, 1, 2, 3, 4))).toBe("2013-07-04 01:02:03.004");
  });
});

describe("isoInstant", () => {
  it("writes a TIMESTAMP_LTZ(3) as Flink's JSON format does with the ISO-8601 standard", () => {
    expect(isoInstant(Date.UTC(2023, 10, 14, 22, 13, 20))).toBe("2023-11-14T22:13:20Z");
    expect(isoInstant(Date.UTC(2023, 10, 14, 22, 13, 22, 250))).toBe("2023-11-14T22:13:22.25Z");
    expect(isoInstant(Date.UTC(2013, 6, 4, 1, 2, 3, 4))).toBe("2013-07-04T01:02:03.004Z");
  });
});

describe("consumedRecord", () => {
  it("parses JSON values, keeps other text raw, and turns headers into strings", () => {
    const message = (value: string | null) => ({
      key: Buffer.from("k1"),
      value: value === null ? null : Buffer.from(value),
      headers: { "sluice-error-code": Buffer.from("malformed_json") },
      offset: "7",
      timestamp: "0",
      attributes: 0,
    });
    expect(consumedRecord(message('{"a":1}'), 2)).toEqual({
      key: "k1",
      value: { a: 1 },
      raw: '{"a":1}',
      partition: 2,
      offset: "7",
      headers: { "sluice-error-code": "malformed_json" },
    });
    expect(consumedRecord(message("{broken"), 0).value).toBe("{broken");
    expect(consumedRecord(message(null), 0).value).toBeNull();
  });
});

describe("latestByKey", () => {
  const record = (key: string | null, value: unknown, offset: string): ConsumedRecord => ({
    key,
    value,
    raw: null,
    partition: 0,
    offset,
    headers: {},
  });

  it("keeps the latest value per key; a tombstone deletes the key", () => {
    const latest = latestByKey([
      record("a", { n: 1 }, "0"),
      record("b", { n: 1 }, "1"),
      record("a", { n: 2 }, "2"),
      record("b", null, "3"),
    ]);
    expect([...latest]).toEqual([["a", { n: 2 }]]);
  });

  it("refuses a record without a key", () => {
    expect(() => latestByKey([record(null, {}, "5")])).toThrow(/without a key at offset 5/);
  });
});
