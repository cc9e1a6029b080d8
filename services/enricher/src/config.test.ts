import { describe, expect, it } from "vitest";
import { themesTask } from "../test/fixtures.ts";
import { configFromEnv } from "./config.ts";
import { ConfigError } from "./errors.ts";

const minimal = { OPENAI_API_KEY: "sk-secret-value", ENRICHER_TASK: JSON.stringify(themesTask) };

function problems(env: Record<string, string>): string[] {
  try {
    configFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configFromEnv", () => {
  it("has sensible defaults", () => {
    const config = configFromEnv(minimal);
    expect(config.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(config.openai.baseURL).toBe("https://api.openai.com/v1");
    expect(config.batch).toEqual({ maxRecords: 20, maxTokens: 8000 });
    expect(config.taskTopic).toBe("sluice.enrichment-tasks");
    expect(config.staticTask?.id).toBe(themesTask.id);
  });

  it("accepts SLUICE_KAFKA_BROKERS, with KAFKA_BROKERS taking precedence", () => {
    expect(configFromEnv({ ...minimal, SLUICE_KAFKA_BROKERS: "a:1,b:2" }).kafka.brokers).toEqual([
      "a:1",
      "b:2",
    ]);
    expect(
      configFromEnv({ ...minimal, SLUICE_KAFKA_BROKERS: "a:1", KAFKA_BROKERS: "c:3" }).kafka.brokers,
    ).toEqual(["c:3"]);
  });

  it("names every bad variable with what it expects", () => {
    const found = problems({
      ...minimal,
      ENRICHER_BATCH_SIZE: "lots",
      ENRICHER_MAX_CONCURRENCY: "0",
      KAFKA_BROKERS: "nohost",
      OPENAI_BASE_URL: "ftp://x",
    });
    expect(found.join("\n")).toMatch(/ENRICHER_BATCH_SIZE: expected a whole number.*"lots"/u);
    expect(found.join("\n")).toMatch(/ENRICHER_MAX_CONCURRENCY: must be at least 1/u);
    expect(found.join("\n")).toMatch(/KAFKA_BROKERS: expected host:port/u);
    expect(found.join("\n")).toMatch(/OPENAI_BASE_URL/u);
  });

  it("requires the API key and never echoes it", () => {
    expect(problems({})).toEqual([expect.stringMatching(/^OPENAI_API_KEY: is required/u)]);
    const withBadKey = problems({ ...minimal, OPENAI_API_KEY: "sk-secret-value", ENRICHER_BATCH_SIZE: "x" });
    expect(withBadKey.join("\n")).not.toContain("sk-secret-value");
  });

  it("checks cross-field rules", () => {
    expect(problems({ ...minimal, ENRICHER_MIN_CONCURRENCY: "9", ENRICHER_MAX_CONCURRENCY: "2" })).toEqual([
      "ENRICHER_MIN_CONCURRENCY: must not exceed ENRICHER_MAX_CONCURRENCY",
    ]);
  });

  it("validates a static task against the task contract", () => {
    const found = problems({ ...minimal, ENRICHER_TASK: JSON.stringify({ ...themesTask, inputTopic: "" }) });
    expect(found[0]).toMatch(/^ENRICHER_TASK: inputTopic:/u);
    expect(problems({ ...minimal, ENRICHER_TASK: "{" })[0]).toMatch(/ENRICHER_TASK: not valid JSON/u);
    expect(
      problems({ ...minimal, ENRICHER_TASK_FILE: "/nonexistent/task.json", ENRICHER_TASK: "" })[0],
    ).toMatch(/ENRICHER_TASK_FILE: cannot read/u);
  });
});
