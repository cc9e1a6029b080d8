import { z } from "zod";
import { ModelServerError } from "./errors.ts";
import { DEFAULT_MAX_THEMES, MAX_THEMES_LIMIT, themesFor } from "./themes.ts";

/**
 * The part of the Chat Completions request body the stand-in reads. Unknown fields are
 * accepted and ignored, as OpenAI ignores what a model does not use.
 */
const textPart = z.object({ type: z.literal("text"), text: z.string() });
const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(z.union([textPart, z.looseObject({ type: z.string() })])), z.null()]),
});

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  response_format: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("text") }),
      z.object({ type: z.literal("json_object") }),
      z.object({
        type: z.literal("json_schema"),
        json_schema: z.looseObject({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          strict: z.boolean().nullish(),
          schema: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    ])
    .optional(),
  temperature: z.number().min(0).max(2).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  user: z.string().optional(),
  stream: z.boolean().nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/**
 * The enricher's task, JSON-encoded in the last user message so that review text is
 * delimited as data. See the contract in the package README.
 */
export const themesTaskSchema = z.object({
  task: z.literal("themes"),
  maxThemes: z.number().int().min(1).max(MAX_THEMES_LIMIT).default(DEFAULT_MAX_THEMES),
  records: z.array(z.object({ id: z.string(), text: z.string() })),
});
export type ThemesTask = z.infer<typeof themesTaskSchema>;

/** The text of a message's content: a string, or its text parts joined. */
export function contentText(content: ChatRequest["messages"][number]["content"]): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
}

/**
 * The token estimate used for `usage` and for the TPM limit: a quarter of the characters,
 * rounded up (OpenAI's rule of thumb for English).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function promptTokens(request: ChatRequest): number {
  return estimateTokens(request.messages.map((m) => contentText(m.content)).join(""));
}

/** What the stand-in "model" answers before any fault is applied. */
export type Answer =
  | { readonly kind: "task"; readonly task: ThemesTask; readonly results: { id: string; themes: string[] }[] }
  | { readonly kind: "text"; readonly content: string };

/**
 * Compute the answer for a request. The last user message is either the enricher's
 * themes task (answered as `{"results":[...]}`) or free text, answered with that text's
 * themes: as `{"themes":[...]}` when a JSON object is requested, else as a JSON array
 * (what the origin example asked a model for, and what Flink's ML_PREDICT receives).
 *
 * @throws ModelServerError `bad_task` when the content is JSON with a `task` field that breaks the contract.
 */
export function answer(request: ChatRequest): Answer {
  const lastUser = request.messages.findLast((m) => m.role === "user");
  const text = lastUser ? contentText(lastUser.content) : "";
  const parsed = parseJsonObject(text);
  if (parsed && "task" in parsed) {
    const task = themesTaskSchema.safeParse(parsed);
    if (!task.success) {
      const message = `the task in the last user message is invalid: ${z.prettifyError(task.error)}`;
      throw new ModelServerError("bad_task", message, { param: "messages" });
    }
    const results = task.data.records.map((r) => ({
      id: r.id,
      themes: themesFor(r.text, task.data.maxThemes),
    }));
    return { kind: "task", task: task.data, results };
  }
  const themes = themesFor(text);
  const wantsObject = request.response_format && request.response_format.type !== "text";
  return { kind: "text", content: JSON.stringify(wantsObject ? { themes } : themes) };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON content of an answer, without faults. */
export function answerContent(a: Answer): string {
  return a.kind === "task" ? JSON.stringify({ results: a.results }) : a.content;
}
