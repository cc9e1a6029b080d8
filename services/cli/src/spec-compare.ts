import { jobSpecSchema } from "@sluice/flink-jobs";
import stringify from "safe-stable-stringify";

/**
 * Whether a local spec differs from a deployed one, the way the API decides it: both sides
 * parsed by the SDK's `jobSpecSchema` (so an omitted list equals `[]`), the API-assigned
 * `version` dropped, keys sorted.
 *
 * @example
 * ```ts
 * specsDiffer({ name: "a", tables: [] }, { name: "a", version: 3, views: [] }); // false
 * ```
 */
export function specsDiffer(local: Record<string, unknown>, deployed: Record<string, unknown>): boolean {
  return canonicalSpec(local) !== canonicalSpec(deployed);
}

/** A spec as canonical JSON without `version`; a spec the schema rejects is compared as written. */
export function canonicalSpec(spec: Record<string, unknown>): string {
  const parsed = jobSpecSchema.safeParse(spec);
  const { version: _version, ...rest } = (parsed.success ? parsed.data : spec) as Record<string, unknown>;
  return stringify(rest) ?? "";
}
