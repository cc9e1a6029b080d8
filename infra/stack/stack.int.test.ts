import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDirs } from "./postgres.ts";
import { freePort } from "./processes.ts";
import { repoRoot, stackSettings } from "./settings.ts";
import { components, stackUp } from "./stack.ts";

// A second, small stack on its own state dir and ports: the shared stack on the
// default ports is never touched.

/** Live processes of the stack in `stateDir`, by component, from /proc. */
async function processesOf(stateDir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const args = cmd.split("\0");
    if (!args.includes(`-Dsluice.stack=${stateDir}`)) continue;
    const component = args.find((a) => a.startsWith("-Dsluice.component="))?.split("=")[1] ?? "?";
    counts[component] = (counts[component] ?? 0) + 1;
  }
  return counts;
}

// Counting processes reads /proc, which only Linux has; on other systems this file is skipped.
describe.skipIf(process.platform !== "linux")("native stack launcher (separate stack)", () => {
  let env: NodeJS.ProcessEnv;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "sluice-stack-test-"));
    env = {
      ...process.env,
      SLUICE_STACK_DIR: stateDir,
      SLUICE_FLINK_REST_PORT: String(await freePort()),
      SLUICE_FLINK_RPC_PORT: String(await freePort()),
      SLUICE_SQL_GATEWAY_PORT: String(await freePort()),
      SLUICE_KAFKA_PORT: String(await freePort()),
      SLUICE_KAFKA_CONTROLLER_PORT: String(await freePort()),
      SLUICE_POSTGRES_PORT: String(await freePort()),
      SLUICE_TM_MEMORY: "1400m",
      SLUICE_TM_SLOTS: "2",
    };
  });

  afterAll(async () => {
    if (!stateDir) return;
    cli("down"); // in case a test failed half-way
    // mkdtemp's folder is private to root: PostgreSQL's data went under the temp dir instead.
    await rm(postgresDirs(stackSettings(env)).home, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  function cli(command: string): { code: number | null; output: string } {
    const result = spawnSync(process.execPath, [join(repoRoot, "infra", "stack", "cli.ts"), command], {
      env,
      encoding: "utf8",
      timeout: 400_000,
    });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it("refuses to start when a port belongs to another process, naming port and component", async () => {
    const settings = stackSettings(env);
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(settings.ports.sqlGateway, "127.0.0.1", r));
    try {
      await expect(stackUp(settings, () => {})).rejects.toThrow(
        new RegExp(
          `port ${settings.ports.sqlGateway} \\(Flink SQL Gateway, for sql-gateway\\) is in use by processes`,
        ),
      );
      expect(await processesOf(stateDir)).toEqual({});
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("up twice runs exactly one process per component; down leaves none", { timeout: 600_000 }, async () => {
    const first = cli("up");
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain("stack is up");
    expect(await processesOf(stateDir)).toEqual(Object.fromEntries(components.map((c) => [c, 1])));

    const second = cli("up");
    expect(second.code, second.output).toBe(0);
    for (const c of components) expect(second.output).toContain(`${c} already running`);
    expect(await processesOf(stateDir)).toEqual(Object.fromEntries(components.map((c) => [c, 1])));

    const status = cli("status");
    expect(status.code, status.output).toBe(0);

    const down = cli("down");
    expect(down.code, down.output).toBe(0);
    expect(await processesOf(stateDir)).toEqual({});
    expect(cli("status").code).toBe(3);
  });
});
