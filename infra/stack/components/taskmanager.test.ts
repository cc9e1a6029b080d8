import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { managedProcess } from "../component.ts";
import { identityFlags, isAlive, startDetached } from "../processes.ts";
import { stackSettings } from "../settings.ts";
import { stackComponents } from "../stack.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("taskmanager-1", () => {
  it("stops the single `taskmanager` an older launcher left running, so no TaskManager is orphaned", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-old-tm-"));
    const settings = stackSettings({ SLUICE_STACK_DIR: dir });
    await mkdir(join(dir, "run"), { recursive: true });
    const old = managedProcess(settings, "taskmanager");
    // A stand-in process with the old TaskManager's pid file and identity flags.
    const pid = await startDetached(
      old,
      process.execPath,
      ["-e", "setTimeout(() => {}, 60000)", "--", ...identityFlags(old)],
      join(dir, "old.out"),
      process.env,
    );
    const tm1 = stackComponents(settings).find((c) => c.name === "taskmanager-1");
    expect(await tm1?.stop()).toBe("not running");
    expect(isAlive(pid)).toBe(false);
  });
});
