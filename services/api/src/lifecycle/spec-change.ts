import { isDeepStrictEqual } from "node:util";
import type { JobSpecLike } from "../compiler/port.ts";

/**
 * The kind of a change between two versions of a job spec, and so what applying it takes (as
 * the Flink Kubernetes operator's `DiffType`):
 *
 * - `ignore`: the same spec (the API-assigned `version` aside): nothing to do.
 * - `metadata`: only descriptions differ; none reaches the SQL, so the running Flink job
 *   carries on and the new version is applied by recording it.
 * - `savepoint-upgrade`: the SQL changes: stop with a savepoint, start the new version from it.
 * - `stateless-restart`: the SQL changes and the caller asked to start without state.
 */
export type SpecChangeKind = "ignore" | "metadata" | "savepoint-upgrade" | "stateless-restart";

export interface SpecChange {
  kind: SpecChangeKind;
  /** Where the specs differ, as JSON paths (`description`, `tables[0].description`, `inserts`). */
  changed: string[];
}

/** Spec members that only describe: they are in no compiled statement. */
const DESCRIBED_LISTS = ["tables", "views"] as const;

/**
 * Classifies the change from `previous` to `next`. Pure; both are validated specs.
 *
 * @example
 * ```ts
 * classifySpecChange({ name: "orders", description: "a" }, { name: "orders", description: "b" });
 * // => { kind: "metadata", changed: ["description"] }
 * ```
 */
export function classifySpecChange(
  previous: JobSpecLike,
  next: JobSpecLike,
  options: { stateless?: boolean | undefined } = {},
): SpecChange {
  const before = normalise(previous);
  const after = normalise(next);
  const changed = differingPaths(before, after);
  if (changed.length === 0) return { kind: "ignore", changed };
  if (isDeepStrictEqual(withoutDescriptions(before), withoutDescriptions(after))) {
    return { kind: "metadata", changed };
  }
  return { kind: options.stateless ? "stateless-restart" : "savepoint-upgrade", changed };
}

type Json = Record<string, unknown>;

/** The spec as stored (JSON: `undefined` members dropped), without the API-assigned version. */
function normalise(spec: JobSpecLike): Json {
  const { version: _version, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as Json;
}

function withoutDescriptions(spec: Json): Json {
  const { description: _description, ...rest } = spec;
  for (const list of DESCRIBED_LISTS) {
    const items = rest[list];
    if (Array.isArray(items)) {
      rest[list] = items.map((item: unknown) => {
        if (item === null || typeof item !== "object") return item;
        const { description: _d, ...kept } = item as Json;
        return kept;
      });
    }
  }
  return rest;
}

/** Top-level members that differ; inside the described lists, down to the item's member. */
function differingPaths(before: Json, after: Json): string[] {
  const paths: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[key];
    const b = after[key];
    if (isDeepStrictEqual(a, b)) continue;
    const listed = (DESCRIBED_LISTS as readonly string[]).includes(key);
    if (listed && Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      paths.push(...a.flatMap((item, i) => itemPaths(`${key}[${i}]`, item, b[i])));
    } else {
      paths.push(key);
    }
  }
  return paths;
}

function itemPaths(prefix: string, a: unknown, b: unknown): string[] {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return isDeepStrictEqual(a, b) ? [] : [prefix];
  }
  const x = a as Json;
  const y = b as Json;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .sort()
    .filter((k) => !isDeepStrictEqual(x[k], y[k]))
    .map((k) => `${prefix}.${k}`);
}
