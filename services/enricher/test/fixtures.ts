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
