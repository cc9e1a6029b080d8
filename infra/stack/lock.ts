import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Log, StackError } from "./component.ts";
import { isAlive } from "./processes.ts";
import type { StackSettings } from "./settings.ts";

/**
 * One `up` at a time per state dir (two test runs starting together must not
 * both launch a JobManager): an exclusive lock file holding the owner's pid,
 * taken over when that pid is dead. Resolves to the release function.
 */
export async function acquireUpLock(
  settings: StackSettings,
  log: Log,
  timeoutMs: number,
): Promise<() => Promise<void>> {
  const file = join(settings.stateDir, "run", "up.lock");
  await mkdir(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StackError(`another "stack up" (pid ${owner}) holds ${file}`);
    if (!announced) log(`another "stack up" (pid ${owner}) is starting this stack; waiting for it`);
    announced = true;
    await sleep(1_000);
  }
}
