import { describe, expect, it } from "vitest";
import { demoTopics } from "./jobs.ts";
import { Results, type SummaryInput, summaryLine, summaryPanel } from "./summary.ts";

const topics = demoTopics("x1");

describe("Results", () => {
  it("counts anomalies and keeps the running theme totals of the upsert topic, tombstones included", () => {
    const r = new Results(topics);
    r.add({
      topic: "sensor_anomalies_x1",
      key: null,
      value: { timestamp: "2013-12-21T18:00:00Z", temperature: 80.5 },
    });
    r.add({
      topic: "sensor_anomalies_x1",
      key: null,
      value: { timestamp: "2013-12-21T20:00:00.5Z", temperature: 82.3 },
    });
    r.add({
      topic: "theme_counts_total_x1",
      key: '{"theme":"shipping"}',
      value: { theme: "shipping", theme_count: 1 },
    });
    r.add({
      topic: "theme_counts_total_x1",
      key: '{"theme":"price"}',
      value: { theme: "price", theme_count: 2 },
    });
    r.add({
      topic: "theme_counts_total_x1",
      key: '{"theme":"shipping"}',
      value: { theme: "shipping", theme_count: 3 },
    });
    r.add({ topic: "theme_counts_total_x1", key: '{"theme":"price"}', value: null });
    r.add({ topic: "sensor_data", key: null, value: { temperature: 200 } }); // not a result topic
    expect(r.anomalies).toBe(2);
    // Alerts write ISO-8601 instants; the panel shows them as UTC wall-clock text.
    expect(r.lastAnomaly).toEqual({ timestamp: "2013-12-21 20:00:00", temperature: 82.3 });
    expect(r.topThemes(5)).toEqual([["shipping", 3]]);
  });

  it("keeps hourly windows by start, the latest value winning", () => {
    const r = new Results(topics);
    const hour = (start: string, count: number) =>
      r.add({
        topic: "transactions_hourly_x1",
        key: null,
        value: { window_start: start, window_end: "-", total_amount: count * 10, transaction_count: count },
      });
    hour("2024-01-01 02:00:00", 5);
    hour("2024-01-01 01:00:00", 4);
    hour("2024-01-01 02:00:00", 6);
    expect(r.lastHours(5)).toEqual([
      { windowStart: "2024-01-01 01:00:00", totalAmount: 40, count: 4 },
      { windowStart: "2024-01-01 02:00:00", totalAmount: 60, count: 6 },
    ]);
  });

  it("reads the dead-letter topic of the enrichment", () => {
    const r = new Results(topics);
    expect(r.topics).toContain("product_reviews_with_themes_x1.dlq");
    r.add({ topic: "product_reviews_with_themes_x1.dlq", key: "r1", value: { review_id: "r1" } });
    expect(r.deadLetters).toBe(1);
  });
});

describe("results of the models inside Flink", () => {
  it("counts flags per detector and keeps the forecaster's newest running error", () => {
    const r = new Results(topics);
    expect(r.topics).toEqual(expect.arrayContaining(["sensor_forecasts_x1", "sensor_detections_x1"]));
    r.add({ topic: "sensor_detections_x1", key: null, value: { detector: "ewma" } });
    r.add({ topic: "sensor_detections_x1", key: null, value: { detector: "forecaster" } });
    r.add({ topic: "sensor_detections_x1", key: null, value: { detector: "ewma" } });
    r.add({ topic: "sensor_forecasts_x1", key: null, value: { running_mae: 2.5, updates: 10 } });
    r.add({ topic: "sensor_forecasts_x1", key: null, value: { running_mae: 1.25, updates: 11 } });
    expect([...r.detectorFlags]).toEqual([
      ["ewma", 2],
      ["forecaster", 1],
    ]);
    expect(r.lastForecast).toEqual({ runningMae: 1.25, updates: 11 });
  });
});

describe("summary", () => {
  const input = (): SummaryInput => {
    const results = new Results(topics);
    results.add({ topic: "sensor_anomalies_x1", key: null, value: {} });
    results.add({
      topic: "theme_counts_total_x1",
      key: '{"theme":"battery life"}',
      value: { theme_count: 4 },
    });
    return {
      elapsedS: 12.4,
      jobs: [
        { name: "sensor-anomalies-x1", state: "RUNNING", flinkState: "RUNNING" },
        { name: "review-themes-x1", state: "SUBMITTING", flinkState: null },
      ],
      results,
      sent: { readings: 100, reviews: 5, transactions: 20, clicks: 3, productUpdates: 12 },
      sensorTime: "2013-07-08 03:00",
      businessTime: "2024-01-01 13:00",
      trafficError: undefined,
      urls: {
        swagger: "http://127.0.0.1:8080/docs",
        flink: "http://127.0.0.1:8081",
        api: "http://127.0.0.1:8080",
      },
      standIn: true,
    };
  };

  it("has a stable marker line for tests and CI", () => {
    expect(summaryLine(input())).toBe(
      "summary: t=12s jobs=1/2 anomalies=1 zscore=0 readings=100 reviews=5 enriched=0 dead_letters=0 themes=1 transactions=20 hours=0 clicks_joined=0",
    );
  });

  it("shows jobs, themes, the stand-in notice and both UIs in the panel", () => {
    const panel = summaryPanel(input()).join("\n");
    expect(panel).toMatch(/review-themes-x1\s+SUBMITTING/);
    expect(panel).toContain("top themes: battery life 4");
    expect(panel).toContain("not a language model");
    expect(panel).toContain("http://127.0.0.1:8080/docs");
    expect(panel).toContain("http://127.0.0.1:8081");
    expect(panel.includes(String.fromCharCode(27))).toBe(false); // no escape codes: the caller draws
  });
});
