import {
  consumeAll,
  createTopic,
  deleteTopics,
  produceJson,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { KafkaGateway } from "./kafka.ts";

/** The API's Kafka module against the real broker: task publishing and theme counts. */
const brokers = stackEndpoints().kafkaBrokers;
const taskTopic = uniqueName("api_tasks");
const totalTopic = uniqueName("api_theme_total");
const windowedTopic = uniqueName("api_theme_windowed");
const kafka = new KafkaGateway({
  brokers,
  taskTopic,
  themesTotalTopic: totalTopic,
  themesWindowedTopic: windowedTopic,
});

afterAll(async () => {
  await kafka.close();
  await deleteTopics([taskTopic, totalTopic, windowedTopic]).catch(() => undefined);
});

describe("KafkaGateway", () => {
  it("publishes tasks keyed by id to a compacted topic, and tombstones removed ones", async () => {
    const task = {
      id: "review-themes.review_themes",
      job: "review-themes",
      name: "review_themes",
      inputTopic: "in",
      outputTopic: "out",
      deadLetterTopic: "out.dlq",
      idField: "review_id",
      textField: "review_text",
      model: "gpt-4o-mini",
      task: { kind: "themes" as const, outputField: "themes", maxThemes: 5, maxThemeLength: 40 },
    };
    await kafka.publish([task]);
    await kafka.remove([task.id]);
    const records = await consumeAll(taskTopic, { expected: 2, timeoutMs: 30_000 });
    expect(records.map((r) => [r.key, r.value])).toEqual([
      [task.id, task],
      [task.id, null],
    ]);
  });

  it("keeps the latest count per theme and per window, as the review-themes job writes them", async () => {
    // Before the job has created its topics: no counts yet (Kafka answered: not a 503).
    expect(await kafka.trending(10)).toEqual({ total: [], latestWindow: null });
    await createTopic(totalTopic);
    await createTopic(windowedTopic);
    const total = (theme: string, theme_count: number) => ({ theme, theme_count });
    await produceJson(totalTopic, [total("battery", 1), total("price", 2), total("battery", 5)], {
      key: (r) => JSON.stringify({ theme: r.theme }),
    });
    const w = (start: string, theme: string, theme_count: number) => ({
      window_start: start,
      window_end: start.replace("10:00", "11:00").replace("09:00", "10:00"),
      theme,
      theme_count,
    });
    await produceJson(
      windowedTopic,
      [w("2026-01-01 09:00:00", "price", 4), w("2026-01-01 10:00:00", "battery", 2)],
      {
        key: (r) =>
          JSON.stringify({ window_start: r.window_start, window_end: r.window_end, theme: r.theme }),
      },
    );
    const trending = await waitFor(
      async () => {
        const t = await kafka.trending(10);
        return t.total.length === 2 && t.latestWindow ? t : undefined;
      },
      { timeout: 30_000, interval: 500, description: "theme counts read" },
    );
    expect(trending).toEqual({
      total: [
        { theme: "battery", count: 5 },
        { theme: "price", count: 2 },
      ],
      latestWindow: {
        start: "2026-01-01 10:00:00",
        end: "2026-01-01 11:00:00",
        themes: [{ theme: "battery", count: 2 }],
      },
    });
  });
});
