import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Retained checkpoints on disk, under the cluster's `execution.checkpointing.dir`
 * (`<dir>/<flink job id>/chk-<n>/_metadata`). When the JobManager restarted without HA, Flink
 * forgets its jobs and their checkpoints, but the files remain: Sluice resumes from the newest.
 * Works where the API sees the directory (the native stack on one host, or a shared volume).
 */
export interface RetainedCheckpoint {
  /** `file:` URL of the `chk-<n>` directory, as `execution.state-recovery.path` takes it. */
  path: string;
  flinkJobId: string;
  /** Epoch ms when its `_metadata` was written (the checkpoint completed). */
  completedAt: number;
}

/** A local path from `file:///x`, `file:/x` or a plain path. */
export function localDir(dir: string): string {
  return dir.startsWith("file:") ? fileURLToPath(new URL(dir.replace(/^file:\/(?!\/)/, "file:///"))) : dir;
}

async function completedCheckpoints(root: string, flinkJobId: string): Promise<RetainedCheckpoint[]> {
  const jobDir = join(root, flinkJobId);
  const entries = await readdir(jobDir).catch(() => [] as string[]);
  const found: RetainedCheckpoint[] = [];
  for (const entry of entries) {
    if (!/^chk-\d+$/.test(entry)) continue;
    // Only a checkpoint whose metadata was written completed; a half-written one has none.
    const meta = await stat(join(jobDir, entry, "_metadata")).catch(() => undefined);
    if (meta?.isFile())
      found.push({ path: pathToFileURL(join(jobDir, entry)).href, flinkJobId, completedAt: meta.mtimeMs });
  }
  return found;
}

/**
 * The newest completed checkpoint retained on disk for any of `flinkJobIds` (the runs of one
 * Sluice job), or `undefined`.
 *
 * @example
 * await newestRetainedCheckpoint("file:///tmp/stack/flink/checkpoints", ["a1b2..."])
 * // => { path: "file:///tmp/stack/flink/checkpoints/a1b2.../chk-12", flinkJobId: "a1b2...", completedAt: 1764... }
 */
export async function newestRetainedCheckpoint(
  dir: string,
  flinkJobIds: readonly string[],
): Promise<RetainedCheckpoint | undefined> {
  const root = localDir(dir);
  const all = (await Promise.all(flinkJobIds.map((id) => completedCheckpoints(root, id)))).flat();
  return all.sort((a, b) => b.completedAt - a.completedAt)[0];
}

/** Removes the retained checkpoints of Flink jobs of a deleted Sluice job. Returns how many directories went. */
export async function removeRetainedCheckpoints(
  dir: string,
  flinkJobIds: readonly string[],
): Promise<number> {
  const root = localDir(dir);
  let removed = 0;
  for (const id of flinkJobIds) {
    // A Flink job id is 32 hex digits: never let a stored value point outside the directory.
    if (!/^[0-9a-f]{32}$/.test(id)) continue;
    const target = join(root, id);
    if (await stat(target).catch(() => undefined)) {
      await rm(target, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
