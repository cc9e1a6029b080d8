import type { EnrichmentTask } from "@sluice/flink-jobs";
import { flagshipJobs, reviewThemes } from "@sluice/flink-jobs/jobs";
import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { KafkaUnavailableError } from "../errors.ts";
import type { TaskPublisher, ThemeCountsSource } from "../kafka.ts";

/** A hand-written task publisher that records what it was asked to publish. */
class FakeTasks implements TaskPublisher {
  readonly log: string[] = [];
  readonly published = new Map<string, EnrichmentTask>();
  down = false;
  async publish(tasks: readonly EnrichmentTask[]) {
    if (this.down) throw new KafkaUnavailableError("broker down", ["fake-kafka:9092"]);
    for (const task of tasks) {
      this.published.set(task.id, task);
      this.log.push(`publish ${task.id}`);
    }
  }
  async remove(ids: readonly string[]) {
    for (const id of ids) {
      this.published.delete(id);
      this.log.push(`remove ${id}`);
    }
  }
}

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

describe("enrichment tasks", () => {
  it("publishes a job's tasks before submitting it, lists them, and removes them on delete", async () => {
    const tasks = new FakeTasks();
    t = await testApp({ tasks });
    tasks.down = true;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: auth,
      payload: reviewThemes(),
    });
    expect(res.statusCode).toBe(202);
    await t.tick();
    expect(t.flink.submissions).toHaveLength(0); // Kafka down: the submission waits for the tasks
    tasks.down = false;
    await t.tick();
    expect(tasks.log).toEqual(["publish review-themes.review_themes"]);
    expect(t.flink.submissions).toHaveLength(1);
    const listed = (await t.app.inject("/v1/enrichment-tasks")).json().tasks;
    expect(listed).toEqual([
      expect.objectContaining({
        job: "review-themes",
        task: expect.objectContaining({ id: "review-themes.review_themes" }),
      }),
    ]);
    await t.tick();
    await t.app.inject({ method: "DELETE", url: "/v1/jobs/review-themes", headers: auth });
    await t.tickUntil(() => t.store.getJob("review-themes") === undefined);
    expect(tasks.log.at(-1)).toBe("remove review-themes.review_themes");
    expect(tasks.published.size).toBe(0);
  });

  it("accepts every acceptance pipeline of docs/ARCHITECTURE.md (dry run on the fake Flink)", async () => {
    t = await testApp();
    const specs = flagshipJobs();
    expect(specs).toHaveLength(7);
    for (const spec of specs) {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/jobs?dryRun=true",
        headers: auth,
        payload: spec,
      });
      expect(res.statusCode, `${spec.name}: ${res.body}`).toBe(200);
    }
  });
});

describe("trending themes", () => {
  it("answers from the theme counts source, 503 when Kafka is down", async () => {
    let down = false;
    const themes: ThemeCountsSource = {
      async trending(limit) {
        if (down) throw new KafkaUnavailableError("broker down", ["fake-kafka:9092"]);
        return {
          total: [
            { theme: "battery", count: 7 },
            { theme: "price", count: 3 },
          ].slice(0, limit),
          latestWindow: {
            start: "2026-01-01 10:00:00",
            end: "2026-01-01 11:00:00",
            themes: [{ theme: "battery", count: 2 }],
          },
        };
      },
    };
    t = await testApp({ themes });
    const res = await t.app.inject("/v1/themes/trending?limit=1");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      total: [{ theme: "battery", count: 7 }],
      latestWindow: {
        start: "2026-01-01 10:00:00",
        end: "2026-01-01 11:00:00",
        themes: [{ theme: "battery", count: 2 }],
      },
    });
    down = true;
    const failed = await t.app.inject("/v1/themes/trending");
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ code: "KAFKA_UNREACHABLE", tried: ["fake-kafka:9092"] });
    expect((await t.app.inject("/v1/themes/trending?limit=0")).json().code).toBe("VALIDATION_FAILED");
  });
});
