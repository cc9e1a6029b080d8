import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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

describe.skipIf(process.platform !== "linux")("isAlive", () => {
  it("counts an exited process its parent has not reaped (a zombie) as gone", async () => {
    // The child exits 1 s later, after its parent has exec'd `sleep`, which never reaps it (a child
    // that exited before the exec would be reaped by the shell itself).
    const shell = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 8"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const pid = Number(await new Promise<string>((r) => shell.stdout.once("data", (d) => r(String(d)))));
    try {
      // Wait until the kernel says zombie.
      for (let i = 0; i < 100 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")); i++)
        await sleep(50);
      expect(() => process.kill(pid, 0)).not.toThrow(); // the pid still exists...
      expect(isAlive(pid)).toBe(false); // ...but the process is gone
      expect(isAlive(shell.pid as number)).toBe(true);
    } finally {
      shell.kill("SIGKILL");
    }
  });
});
