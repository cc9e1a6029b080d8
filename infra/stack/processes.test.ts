import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  identityFlags,
  isAlive,
  type ManagedProcess,
  runningPid,
  signalProcess,
  startDetached,
} from "./processes.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("signalProcess (killComponent)", () => {
  it("SIGKILLs our running process and leaves its pid file, as a crash would", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-kill-"));
    const p: ManagedProcess = { name: "sleeper", pidFile: join(dir, "sleeper.pid"), stateDir: dir };
    const script = "setTimeout(() => {}, 60000)";
    const pid = await startDetached(
      p,
      process.execPath,
      ["-e", script, "--", ...identityFlags(p)],
      join(dir, "out"),
      process.env,
    );
    expect(await runningPid(p)).toBe(pid);
    expect(await signalProcess(p, "SIGKILL")).toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(p.pidFile)).toBe(true);
    expect(await runningPid(p)).toBeUndefined();
    expect(await signalProcess(p, "SIGKILL")).toBeUndefined();
  });
});
