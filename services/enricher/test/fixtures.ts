import type { EnrichmentTask } from "@sluice/flink-jobs";

/** A themes task for unit tests. */
export const themesTask: EnrichmentTask = {
  id: "reviews.themes",
  job: "reviews",
  name: "themes",
  inputTopic: "in",
  outputTopic: "out",
  deadLetterTopic: "dlq",
  idField: "id",
  textField: "review_text",
  model: "gpt-4o-mini",
  task: { kind: "themes", outputField: "themes", maxThemes: 5, maxThemeLength: 40 },
};

/** A custom task for unit tests: a sentiment label per review. */
export const sentimentTask: EnrichmentTask = {
  ...themesTask,
  id: "reviews.sentiment",
  name: "sentiment",
  task: {
    kind: "custom",
    outputField: "sentiment",
    prompt: "Classify the review's sentiment.",
    outputSchema: {
      type: "object",
      properties: { label: { type: "string", enum: ["positive", "negative"] } },
      required: ["label"],
      additionalProperties: false,
    },
  },
};
