import type { Interval } from "../expressions.ts";
import type { EnrichmentSpec } from "../spec.ts";
import { typeFamily } from "../sql-types.ts";
import { keptFamilies, namedRelation, type Relation } from "./relations.ts";
import type { AnyRow, Ex } from "./types.ts";

export interface EnrichmentOptions<
  R extends AnyRow,
  Id extends keyof R,
  Text extends keyof R,
  Carry extends keyof R,
> {
  name: string;
  input: Relation<string, R>;
  idField: Id & string;
  textField: Text & string;
  /** Extra input columns carried to the output table (default: all physical columns of the input). */
  carry?: (Carry & string)[];
  task?: EnrichmentSpec["task"];
  model: string;
  outputTopic: string;
  requestTopic?: string;
  deadLetterTopic?: string;
  bootstrapServers?: string;
  watermark?: { column: (Id | Text | Carry) & string; delay: Interval };
  startupMode?: EnrichmentSpec["startupMode"];
}

export interface Enrichment<N extends string, R extends AnyRow> extends Relation<N, R> {
  toSpec(): EnrichmentSpec;
}

/**
 * An LLM enrichment step; its result reads like a table with the carried
 * columns plus `themes` (ARRAY<STRING>).
 *
 * @example
 * const reviewThemes = enrichment({ name: "review_themes", input: productReviews,
 *   idField: "review_id", textField: "review_text", model: "gpt-4o-mini",
 *   outputTopic: "product_reviews_with_themes" });
 */
export function enrichment<
  N extends string,
  R extends AnyRow,
  Id extends keyof R,
  Text extends keyof R,
  Carry extends keyof R = keyof R,
>(
  options: EnrichmentOptions<R, Id, Text, Carry> & { name: N },
): Enrichment<N, Pick<R, Id | Text | Carry> & { themes: Ex<"array", "string"> }> {
  const inputRow = options.input.row();
  const keep = new Set<string>([
    options.idField,
    options.textField,
    ...(options.carry ?? Object.keys(inputRow)),
  ]);
  const families = keptFamilies(inputRow, keep);
  const task = options.task ?? { kind: "themes" };
  families[task.outputField ?? "themes"] =
    task.kind === "custom" ? { family: typeFamily(task.outputType) } : { family: "array", element: "string" };
  const name = options.name;
  return {
    ...namedRelation<N, Pick<R, Id | Text | Carry> & { themes: Ex<"array", "string"> }>(name, families),
    toSpec: () => ({
      name,
      input: options.input.name,
      idField: options.idField,
      textField: options.textField,
      carry: options.carry,
      task,
      model: options.model,
      requestTopic: options.requestTopic,
      outputTopic: options.outputTopic,
      deadLetterTopic: options.deadLetterTopic,
      bootstrapServers: options.bootstrapServers,
      watermark: options.watermark,
      startupMode: options.startupMode,
    }),
  };
}
