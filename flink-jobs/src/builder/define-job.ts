import { SpecValidationError } from "../errors.ts";
import { type JobSpec, type JobSpecInput, jobSpecSchema } from "../spec.ts";
import { fromZodIssue } from "../validate.ts";

/** Anything a builder hands to `defineJob`: a spec node, or a builder that produces one. */
export type SpecNode<T> = T | { toSpec(): T };

type Element<L> = L extends (infer E)[] | undefined ? E : never;

/** `defineJob`'s argument: a job spec whose tables, views, inserts and enrichments may be builders. */
export type JobDefinition = Omit<JobSpecInput, "tables" | "views" | "inserts" | "enrichments" | "models"> & {
  tables?: SpecNode<Element<JobSpecInput["tables"]>>[];
  views?: SpecNode<Element<JobSpecInput["views"]>>[];
  inserts?: SpecNode<Element<JobSpecInput["inserts"]>>[];
  enrichments?: SpecNode<Element<JobSpecInput["enrichments"]>>[];
  models?: SpecNode<Element<JobSpecInput["models"]>>[];
};

function unwrap<T>(node: SpecNode<T>): T {
  return typeof node === "object" && node !== null && "toSpec" in node && typeof node.toSpec === "function"
    ? node.toSpec()
    : (node as T);
}

/**
 * The builder entry point: turns a job definition (plain spec objects or
 * builders such as `table(...)`, `view(...)`, `insertInto(...)`) into a parsed,
 * immutable JobSpec. Checks the schema; `compileJob`/`validateJob` check the rest.
 *
 * @example
 * export const job = defineJob({
 *   name: "sensor-anomalies",
 *   tables: [sensorData, sensorAnomalies],
 *   inserts: [insertInto(sensorAnomalies, from(sensorData).where(...).select(...))],
 * });
 */
export function defineJob(definition: JobDefinition): JobSpec {
  const input = {
    ...definition,
    tables: definition.tables?.map(unwrap),
    views: definition.views?.map(unwrap),
    inserts: definition.inserts?.map(unwrap),
    enrichments: definition.enrichments?.map(unwrap),
    models: definition.models?.map(unwrap),
  };
  const parsed = jobSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new SpecValidationError(parsed.error.issues.map(fromZodIssue));
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
