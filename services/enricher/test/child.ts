import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@sluice/testkit";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** A running `node services/enricher/src/main.ts`. */
export interface EnricherChild {
  process: ChildProcess;
  /** Base URL of its metrics/health server. */
  url: string;
}

/**
 * The enricher processes of one test, their output appended to one log file in the
 * temporary directory; `stopAll` (in a `finally`) ends every one of them.
 */
export class EnricherProcesses {
  readonly logPath: string;
  readonly #log: WriteStream;
  readonly #children: ChildProcess[] = [];

  constructor(name: string) {
    this.logPath = join(tmpdir(), `${name}.log`);
    this.#log = createWriteStream(this.logPath);
  }

  /** Starts an enricher with `env` (over this process's environment) on a free HTTP port. */
  async spawn(env: Record<string, string>): Promise<EnricherChild> {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...env, ENRICHER_HTTP_HOST: "127.0.0.1", ENRICHER_HTTP_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    this.#children.push(child);
    return { process: child, url: `http://127.0.0.1:${port}` };
  }

  /** Asks every child to stop (thawing a frozen one), kills what is left after `graceMs`, closes the log. */
  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all(
      this.#children.splice(0).map(async (child) => {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
        await Promise.race([exited(child), new Promise((r) => setTimeout(r, graceMs))]);
        child.kill("SIGKILL");
        await exited(child);
      }),
    );
    this.#log.end();
  }
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}
