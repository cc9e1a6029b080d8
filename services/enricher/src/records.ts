import type { EnrichmentTask } from "@sluice/flink-jobs";
import type { RecordErrorCode } from "./engine.ts";
import type { InputRecord, OutputRecord } from "./kafka/index.ts";

/** An input record after parsing: a review to enrich, or a reason to dead-letter it. */
export type ParsedReview =
  | { kind: "review"; id: string; text: string; value: Record<string, unknown> }
  | { kind: "malformed"; code: RecordErrorCode; message: string };

/**
 * Reads the task's id and text fields from a JSON record. An id may be a string or a
 * number (Flink writes BIGINT ids as numbers); the text must be a non-blank string.
 *
 * @example parseReview(Buffer.from('{"id":1,"review_text":"Great"}'), task)
 *   // { kind: "review", id: "1", text: "Great", value: {...} }
 */
export function parseReview(raw: Buffer | null, task: EnrichmentTask): ParsedReview {
  if (raw === null || raw.length === 0) {
    return { kind: "malformed", code: "malformed_json", message: "empty record value" };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    return { kind: "malformed", code: "malformed_json", message: `not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "malformed", code: "malformed_json", message: "record is not a JSON object" };
  }
  const record = value as Record<string, unknown>;
  const rawId = record[task.idField];
  const id =
    typeof rawId === "string"
      ? rawId.trim()
      : typeof rawId === "number" && Number.isFinite(rawId)
        ? String(rawId)
        : "";
  if (id === "") {
    return { kind: "malformed", code: "missing_id", message: `field "${task.idField}" missing or empty` };
  }
  const text = record[task.textField];
  if (typeof text !== "string" || text.trim() === "") {
    return {
      kind: "malformed",
      code: "missing_text",
      message: `field "${task.textField}" missing, empty or not a string`,
    };
  }
  return { kind: "review", id, text, value: record };
}

/** The output record: the input object plus the task's output field, keyed like the input. */
export function enrichedRecord(
  task: EnrichmentTask,
  input: InputRecord,
  value: Record<string, unknown>,
  result: unknown,
): OutputRecord {
  return {
    topic: task.outputTopic,
    key: input.key,
    value: JSON.stringify({ ...value, [task.task.outputField]: result }),
  };
}

/** The dead-letter record: the input unchanged, with the reason and its origin in headers. */
export function deadLetterRecord(
  task: EnrichmentTask,
  input: InputRecord,
  code: RecordErrorCode,
  message: string,
): OutputRecord {
  return {
    topic: task.deadLetterTopic,
    key: input.key,
    value: input.value === null ? null : input.value.toString("utf8"),
    headers: {
      "sluice-error-code": code,
      "sluice-error-message": message.slice(0, 1000),
      "sluice-task-id": task.id,
      "sluice-source-topic": input.topic,
      "sluice-source-partition": String(input.partition),
      "sluice-source-offset": input.offset,
    },
  };
}
