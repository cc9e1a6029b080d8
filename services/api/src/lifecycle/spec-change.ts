import { isDeepStrictEqual } from "node:util";
import type { JobSpecLike } from "../compiler/port.ts";

/**
 * The kind of a change between two versions of a job spec, and so what applying it takes (as
 * the Flink Kubernetes operator's `DiffType`):
 *
 * - `ignore`: the same spec (the API-assigned `version` aside): nothing to do.
 * - `metadata`: only descriptions or the job's flow thresholds (`flow`) differ; none reaches
 *   the SQL, so the running Flink job carries on and the new version is applied by recording it
 *   (the flow monitor reads the thresholds of the current version).
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
/** Top-level members in no compiled statement: the API reads them, Flink never sees them. */
const API_ONLY = ["description", "flow"] as const;

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
  if (isDeepStrictEqual(withoutApiOnly(before), withoutApiOnly(after))) {
    return { kind: "metadata", changed };
  }
  return { kind: options.stateless ? "stateless-restart" : "savepoint-upgrade", changed };
}

type Json = Record<string, unknown>;

/** The spec as stored (JSON: `undefined` members dropped), without the API-assigned version. */
function normalise(spec: JobSpecLike): Json {
  const { version: _version, ...rest } = spec;
  const stored: unknown = JSON.parse(JSON.stringify(rest));
  return isObject(stored) ? stored : {};
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function withoutApiOnly(spec: Json): Json {
  const rest = { ...spec };
  for (const key of API_ONLY) delete rest[key];
  for (const list of DESCRIBED_LISTS) {
    const items = rest[list];
    if (Array.isArray(items)) {
      rest[list] = items.map((item: unknown) => {
        if (!isObject(item)) return item;
        const { description: _d, ...kept } = item;
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
  if (!isObject(a) || !isObject(b)) return isDeepStrictEqual(a, b) ? [] : [prefix];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => !isDeepStrictEqual(a[k], b[k]))
    .map((k) => `${prefix}.${k}`);
}
