/**
 * A small line diff (longest common subsequence) rendered in the unified format of `diff -u`.
 * Compiled SQL is a few hundred lines at most, so the quadratic table is cheap; a dependency
 * (the `diff` package) would buy speed on large inputs that `plan` never sees.
 */

export type DiffLine = { op: " " | "-" | "+"; text: string };

/** Beyond this many table cells the diff gives up on alignment and shows a full replacement. */
const MAX_CELLS = 4_000_000;

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
  // Common prefix and suffix need no table; only the differing middle does.
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const a = before.slice(start, endBefore);
  const b = after.slice(start, endAfter);
  const head = before.slice(0, start).map((text): DiffLine => ({ op: " ", text }));
  const tail = before.slice(endBefore).map((text): DiffLine => ({ op: " ", text }));

  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    return [
      ...head,
      ...a.map((text): DiffLine => ({ op: "-", text })),
      ...b.map((text): DiffLine => ({ op: "+", text })),
      ...tail,
    ];
  }

  // lcs[i][j] = length of the LCS of a[i..] and b[j..], in one flat array.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
    }
  }
  const middle: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      middle.push({ op: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number)) {
      middle.push({ op: "-", text: a[i] as string });
      i++;
    } else {
      middle.push({ op: "+", text: b[j] as string });
      j++;
    }
  }
  for (; i < a.length; i++) middle.push({ op: "-", text: a[i] as string });
  for (; j < b.length; j++) middle.push({ op: "+", text: b[j] as string });
  return [...head, ...middle, ...tail];
}

export interface UnifiedDiffOptions {
  beforeLabel?: string;
  afterLabel?: string;
  /** Unchanged lines shown around each change. */
  context?: number;
}

/**
 * A unified diff of two texts, or `""` when they are equal.
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
  const context = options.context ?? 3;
  const lines = diffLines(splitLines(before), splitLines(after));

  // Group changes whose context windows touch into one hunk.
  const changed = lines.flatMap((line, index) => (line.op === " " ? [] : [index]));
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(lines.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }

  const out = [`--- ${options.beforeLabel ?? "before"}`, `+++ ${options.afterLabel ?? "after"}`];
  for (const [from, to] of hunks) {
    // Line numbers (1-based) at the hunk's start in each text.
    let beforeLine = 1;
    let afterLine = 1;
    for (const line of lines.slice(0, from)) {
      if (line.op !== "+") beforeLine++;
      if (line.op !== "-") afterLine++;
    }
    const body = lines.slice(from, to);
    const beforeCount = body.filter((l) => l.op !== "+").length;
    const afterCount = body.filter((l) => l.op !== "-").length;
    out.push(`@@ -${range(beforeLine, beforeCount)} +${range(afterLine, afterCount)} @@`);
    for (const line of body) out.push(`${line.op}${line.text}`);
  }
  return `${out.join("\n")}\n`;
}

/** `diff -u` writes an empty range as `<line before>,0`. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
