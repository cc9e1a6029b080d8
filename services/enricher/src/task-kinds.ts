import type { EnrichmentTask } from "@sluice/flink-jobs";
import { z } from "zod";
import type { ReviewInput } from "./batching.ts";
import { UnsupportedTaskError } from "./errors.ts";
import type { ModelClient, ModelReply } from "./model-protocol.ts";
import { normaliseThemes } from "./normalise.ts";

/** A model reply reduced to what every task kind shares: each record's raw result. */
export type KindReply = ModelReply<{ id: string; raw: unknown }>;

/** What differs between task kinds: the model call, and how one record's result is accepted. */
export interface TaskKind {
  ask(
    model: ModelClient,
    modelName: string,
    records: ReviewInput[],
    signal?: AbortSignal,
  ): Promise<KindReply>;
  /** The output value of one record's raw result, or `undefined` when it is not acceptable. */
  accept(raw: unknown): unknown;
}

/** Result validators of custom tasks, compiled once per schema object. */
const validators = new WeakMap<object, z.ZodType>();

/**
 * The behaviour of a task's kind.
 *
 * @throws UnsupportedTaskError when the task cannot run with this model client.
 */
export function taskKind(task: EnrichmentTask, model: ModelClient): TaskKind {
  const spec = task.task;
  switch (spec.kind) {
    case "themes":
      return themesKind(spec.maxThemes, spec.maxThemeLength);
    case "custom":
      return customKind(spec.prompt, spec.outputSchema, model);
    default: {
      const unknownKind: never = spec;
      throw new UnsupportedTaskError(`unknown task kind ${JSON.stringify(unknownKind)}`);
    }
  }
}

function themesKind(maxThemes: number, maxThemeLength: number): TaskKind {
  return {
    ask: async (client, modelName, records, signal) => {
      const reply = await client.extractThemes({
        model: modelName,
        maxThemes,
        records,
        ...(signal ? { signal } : {}),
      });
      return toKindReply(reply, (r) => r.themes);
    },
    accept: (raw) => (Array.isArray(raw) ? normaliseThemes(raw, { maxThemes, maxThemeLength }) : undefined),
  };
}

function customKind(prompt: string, outputSchema: Record<string, unknown>, model: ModelClient): TaskKind {
  const extract = model.extractCustom?.bind(model);
  if (!extract) throw new UnsupportedTaskError("this model client cannot run custom tasks");
  const check = validatorOf(outputSchema);
  return {
    ask: async (_client, modelName, records, signal) => {
      const reply = await extract({
        model: modelName,
        prompt,
        outputSchema,
        records,
        ...(signal ? { signal } : {}),
      });
      return toKindReply(reply, (r) => r.result);
    },
    accept: (raw) => {
      // The provider's strict mode should already hold; the enricher enforces it anyway.
      const checked = check.safeParse(raw);
      return checked.success && checked.data !== undefined ? checked.data : undefined;
    },
  };
}

function validatorOf(outputSchema: Record<string, unknown>): z.ZodType {
  let validator = validators.get(outputSchema);
  if (!validator) {
    try {
      validator = z.fromJSONSchema(outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      const message = `outputSchema is not a usable JSON Schema: ${(error as Error).message}`;
      throw new UnsupportedTaskError(message, error);
    }
    validators.set(outputSchema, validator);
  }
  return validator;
}

function toKindReply<Result extends { id: string }>(
  reply: ModelReply<Result>,
  raw: (result: Result) => unknown,
): KindReply {
  if (reply.kind !== "ok") return reply;
  return { ...reply, results: reply.results.map((r) => ({ id: r.id, raw: raw(r) })) };
}
