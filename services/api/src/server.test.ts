import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/** `server.ts` as a process: configuration errors exit 1 with a clear message; SIGTERM exits 0. */
const root = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "sluice-server-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["services/api/src/server.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** A Node process starting on a shared, loaded machine may take seconds. */
const PROCESS_TIMEOUT_MS = 30_000;

describe("server.ts", () => {
  it(
    "exits 1 naming each bad variable",
    async () => {
      const server = run({
        SLUICE_API_PORT: "http",
        SLUICE_FLINK_REST_URL: "not a url",
        SLUICE_API_TOKENS: "t0ken-long-enough",
      });
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain("SLUICE_API_PORT must be a number");
      expect(server.output()).toContain("SLUICE_FLINK_REST_URL must be an http(s) URL");
      expect(server.output()).not.toContain("    at "); // no stack trace
    },
    PROCESS_TIMEOUT_MS,
  );

  it(
    "listens, answers /healthz, and shuts down cleanly on SIGTERM",
    async () => {
      const port = 30_000 + Math.floor(Math.random() * 20_000);
      const server = run({
        SLUICE_API_PORT: String(port),
        SLUICE_API_TOKENS: "t0ken-long-enough",
        SLUICE_DB_PATH: join(dir, "sluice.db"),
        // Nothing listens there: the API must still start (jobs show UNKNOWN).
        SLUICE_FLINK_REST_URL: "http://127.0.0.1:9",
        SLUICE_SQL_GATEWAY_URL: "http://127.0.0.1:9",
      });
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health?.ok; i++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!health?.ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("shutting down");
      expect(server.output()).not.toContain("t0ken-long-enough");
    },
    PROCESS_TIMEOUT_MS,
  );
});
