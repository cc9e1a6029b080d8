import { z } from "zod";

/**
 * An enrichment task: the contract between the compiler (which emits it for each
 * `enrichments` entry of a job spec), the API (which publishes it, keyed by `id`, to the
 * compacted task topic) and the enricher (which runs it).
 *
 * Records on `inputTopic` are JSON objects written by Flink; the enricher reads
 * `idField` and `textField`, asks the model, and writes the same object plus the
 * task's output field (`themes: string[]` for the themes task) to `outputTopic`,
 * keyed like its input. Records it cannot enrich go to `deadLetterTopic` with the
 * reason in headers.
 */
export const enrichmentTaskSchema = z.object({
  /** Stable identity: `<job name>.<enrichment name>`. */
  id: z.string().min(1),
  job: z.string().min(1),
  name: z.string().min(1),
  inputTopic: z.string().min(1),
  outputTopic: z.string().min(1),
  deadLetterTopic: z.string().min(1),
  idField: z.string().min(1),
  textField: z.string().min(1),
  model: z.string().min(1),
  task: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("themes"),
      /** Field added to the output record. */
      outputField: z.string().min(1).default("themes"),
      maxThemes: z.number().int().min(1).max(20).default(5),
      maxThemeLength: z.number().int().min(1).max(100).default(40),
    }),
    z.object({
      kind: z.literal("custom"),
      outputField: z.string().min(1),
      prompt: z.string().min(1).max(4000),
      /** JSON Schema of one record's result; the enricher enforces it. */
      outputSchema: z.record(z.string(), z.unknown()),
    }),
  ]),
});

export type EnrichmentTask = z.infer<typeof enrichmentTaskSchema>;
