/**
 * Line diffs for `sluice plan`, on the `diff` package (Myers' algorithm: a shortest edit script,
 * so the kept lines are a longest common subsequence), rendered like `diff -u`.
 */
import { diffArrays, structuredPatch } from "diff";

export type DiffLine = { op: " " | "-" | "+"; text: string };

/**
 * The edit script turning `before` into `after`, line by line.
 *
 * @example
 * ```ts
 * diffLines(["a", "b"], ["a", "c"]);
 * // => [{ op: " ", text: "a" }, { op: "-", text: "b" }, { op: "+", text: "c" }]
 * ```
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  return diffArrays([...before], [...after]).flatMap((change) =>
    change.value.map((text): DiffLine => ({ op: change.added ? "+" : change.removed ? "-" : " ", text })),
  );
}

export interface UnifiedDiffOptions {
  beforeLabel?: string;
  afterLabel?: string;
  /** Unchanged lines shown around each change. */
  context?: number;
}

/**
 * A unified diff of two texts, or `""` when they are equal. A missing final newline is not a
 * difference (compiled SQL is compared, not files).
 *
 * @example
 * ```ts
 * unifiedDiff("SET 'a' = '1';\nSELECT 1;", "SET 'a' = '2';\nSELECT 1;", { beforeLabel: "deployed v1", afterLabel: "local" });
 * // --- deployed v1
 * // +++ local
 * // @@ -1,2 +1,2 @@
 * // -SET 'a' = '1';
 * // +SET 'a' = '2';
 * //  SELECT 1;
 * ```
 */
export function unifiedDiff(before: string, after: string, options: UnifiedDiffOptions = {}): string {
  if (before === after) return "";
  const { hunks } = structuredPatch(
    "before",
    "after",
    withFinalNewline(before),
    withFinalNewline(after),
    "",
    "",
    {
      context: options.context ?? 3,
    },
  );
  const out = [`--- ${options.beforeLabel ?? "before"}`, `+++ ${options.afterLabel ?? "after"}`];
  for (const hunk of hunks) {
    out.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`);
    out.push(...hunk.lines);
  }
  return `${out.join("\n")}\n`;
}

/** `diff -u` writes an empty range as `<line before>,0`. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

function withFinalNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}
