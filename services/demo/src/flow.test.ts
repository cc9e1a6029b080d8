import type { Job } from "@sluice/api-client";
import { describe, expect, it } from "vitest";
import { flowText, flowView } from "./flow.ts";
import { demoTopics } from "./jobs.ts";
import { Results, summaryPanel } from "./summary.ts";

const job: Pick<Job, "flow" | "conditions"> = {
  conditions: [
    {
      type: "DataFlowing",
      status: "False",
      reason: "NoOutput",
      message: "m",
      since: "2026-01-01T00:00:00.000Z",
    },
    { type: "CaughtUp", status: "True", reason: "CaughtUp", message: "m", since: "2026-01-01T00:00:00.000Z" },
  ],
  flow: {
    flinkJobId: "f",
    readAt: "2026-01-01T00:00:05.000Z",
    ageMs: 500,
    sources: [
      {
        table: "readings",
        recordsRead: 900,
        bytesRead: null,
        errors: 1,
        deadLettered: 4,
        lag: 12,
        watermarkLagMs: null,
        readRate: 120.4,
      },
    ],
    sinks: [{ table: "alerts", recordsWritten: 0, lastWriteAt: null, writeRate: 0 }],
    checkpoint: null,
    checkpointFailures: 0,
    restarts: 0,
    busiest: null,
  },
};

describe("the demo's flow line", () => {
  it("shows rates, lag, dead letters and the conditions that are not True", () => {
    expect(flowText(flowView(job))).toBe(
      "in 120/s  out 0.0/s  lag 12  dead letters 5  DataFlowing=False(NoOutput)",
    );
    expect(flowText(flowView({ ...job, conditions: [] }))).toMatch(/ ok$/);
    expect(flowText(flowView({ ...job, flow: null }))).toBe("flow: -");
  });

  it("appears under each running job of the panel", () => {
    const panel = summaryPanel({
      elapsedS: 1,
      jobs: [
        { name: "sensor-anomalies-x1", state: "RUNNING", flinkState: "RUNNING", flow: flowView(job) },
        { name: "review-themes-x1", state: "SUBMITTING", flinkState: null },
      ],
      results: new Results(demoTopics("x1")),
      sent: { readings: 0, reviews: 0, transactions: 0, clicks: 0, productUpdates: 0 },
      sensorTime: "-",
      businessTime: "-",
      trafficError: undefined,
      urls: { swagger: "s", flink: "f", api: "a" },
      standIn: false,
    });
    const at = panel.findIndex((l) => l.includes("sensor-anomalies-x1"));
    expect(panel[at + 1]).toBe(
      "    in 120/s  out 0.0/s  lag 12  dead letters 5  DataFlowing=False(NoOutput)",
    );
    expect(panel.filter((l) => l.includes("dead letters"))).toHaveLength(1);
  });
});
