import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { newestRetainedCheckpoint, removeRetainedCheckpoints } from "./retained.ts";

const A = "a".repeat(32);
const B = "b".repeat(32);
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function checkpointDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-chk-"));
  dirs.push(dir);
  return dir;
}

async function checkpoint(root: string, job: string, n: number, at: number, complete = true) {
  const dir = join(root, job, `chk-${n}`);
  await mkdir(dir, { recursive: true });
  if (complete) {
    await writeFile(join(dir, "_metadata"), "x");
    await utimes(join(dir, "_metadata"), at / 1000, at / 1000);
  }
}

describe("retained checkpoints on disk", () => {
  it("finds the newest completed checkpoint over every run of the job, as a file: URL", async () => {
    const root = await checkpointDir();
    await checkpoint(root, A, 4, 1_000_000);
    await checkpoint(root, B, 2, 2_000_000);
    await checkpoint(root, B, 3, 3_000_000, false); // being written: no _metadata
    await mkdir(join(root, B, "shared"), { recursive: true });
    const found = await newestRetainedCheckpoint(pathToFileURL(root).href, [A, B]);
    expect(found).toEqual({
      path: pathToFileURL(join(root, B, "chk-2")).href,
      flinkJobId: B,
      completedAt: 2_000_000,
    });
    expect(await newestRetainedCheckpoint(root, [A])).toMatchObject({ flinkJobId: A });
    expect(await newestRetainedCheckpoint(root, ["c".repeat(32)])).toBeUndefined();
  });

  it("removes the checkpoints of a deleted job's runs, and nothing outside the directory", async () => {
    const root = await checkpointDir();
    await checkpoint(root, A, 1, 1_000_000);
    await checkpoint(root, B, 1, 1_000_000);
    expect(await removeRetainedCheckpoints(root, [A, "../etc"])).toBe(1);
    expect(await stat(join(root, A)).catch(() => undefined)).toBeUndefined();
    expect((await stat(join(root, B))).isDirectory()).toBe(true);
  });
});
