import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { nabSensorReadings, sensorRecord } from "@sluice/datasets";
import { afterAll, describe, expect, it } from "vitest";
import { demoTopics } from "./jobs.ts";
import type { Outbox, OutgoingRecord } from "./kafka.ts";
import { loadPosition, Traffic } from "./traffic.ts";

/** Keeps what would have gone to Kafka. */
class RecordingOutbox implements Outbox {
  readonly sent: { topic: string; record: OutgoingRecord }[] = [];
  async send(topic: string, records: OutgoingRecord[]) {
    for (const record of records) this.sent.push({ topic, record });
  }
  async sendBatch(batch: { topic: string; messages: OutgoingRecord[] }[]) {
    for (const b of batch) await this.send(b.topic, b.messages);
  }
  values(topic: string) {
    return this.sent.filter((s) => s.topic === topic).map((s) => s.record.value as Record<string, unknown>);
  }
}

const dir = mkdtempSync(join(tmpdir(), "sluice-demo-traffic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const topics = demoTopics("");
const rates = { sensorPerSecond: 2000, reviewsPerSecond: 50, transactionsPerSecond: 50, clicksPerSecond: 50 };

async function runUntil(traffic: Traffic, outbox: RecordingOutbox, readings: number) {
  await traffic.start();
  for (let i = 0; i < 200 && outbox.values(topics.sensorData).length < readings; i++) await sleep(25);
  await traffic.stop();
}

const sensorTimes = (outbox: RecordingOutbox) =>
  outbox.values(topics.sensorData).map((v) => v.timestamp as number);

describe("Traffic", () => {
  it("replays the NAB series in order and a second run continues after the first, event time moving forward", async () => {
    const positionFile = join(dir, "resume.json");
    const first = new RecordingOutbox();
    await runUntil(new Traffic(first, { topics, rates, timeScale: 360, seed: 1, positionFile }), first, 100);
    const nab = nabSensorReadings();
    const firstValues = first.values(topics.sensorData);
    expect(firstValues.length).toBeGreaterThanOrEqual(100);
    // Readings go out as producers write them: the time in epoch milliseconds.
    expect(firstValues[0]).toEqual(sensorRecord(nab[0] as never));
    expect(first.values(topics.products).length).toBeGreaterThanOrEqual(12);
    expect(first.values(topics.productReviews).length).toBeGreaterThan(0);

    const second = new RecordingOutbox();
    const traffic2 = new Traffic(second, { topics, rates, timeScale: 360, seed: 1, positionFile });
    expect(traffic2.position.run).toBe(2);
    await runUntil(traffic2, second, 50);
    const times = [...sensorTimes(first), ...sensorTimes(second)];
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(second.values(topics.sensorData)[0]?.temperature).toBe(nab[firstValues.length]?.temperature);

    const reviewTimes = [...first.values(topics.productReviews), ...second.values(topics.productReviews)].map(
      (r) => r.created_at as string,
    );
    expect([...reviewTimes].sort()).toEqual(reviewTimes);
  });

  it("shifts each new lap of the series past the end of the previous one", async () => {
    const positionFile = join(dir, "lap.json");
    const nab = nabSensorReadings();
    writeFileSync(
      positionFile,
      JSON.stringify({
        run: 1,
        sensorLap: 0,
        sensorIndex: nab.length - 5,
        businessClockMs: Date.UTC(2024, 0, 1),
      }),
    );
    const outbox = new RecordingOutbox();
    await runUntil(new Traffic(outbox, { topics, rates, timeScale: 360, seed: 1, positionFile }), outbox, 20);
    const times = sensorTimes(outbox);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(loadPosition(positionFile).sensorLap).toBe(1);
  });
});

describe("loadPosition", () => {
  it("starts a fresh state folder at run 1, the start of the series and a whole hour", () => {
    const p = loadPosition(join(dir, "none.json"), Date.UTC(2024, 0, 1, 10, 42));
    expect(p).toEqual({ run: 1, sensorLap: 0, sensorIndex: 0, businessClockMs: Date.UTC(2024, 0, 1, 10) });
  });
});
