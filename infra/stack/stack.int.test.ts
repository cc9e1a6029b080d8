import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDirs } from "./postgres.ts";
import { freePort } from "./processes.ts";
import { registeredTaskManagers } from "./readiness.ts";
import { endpointsOf, repoRoot, type StackSettings, stackSettings } from "./settings.ts";
import { componentNames, ensureUp, killComponent, stackUp, taskManagerCount } from "./stack.ts";

// A second, small stack on its own state dir and ports, with two TaskManagers:
// the shared stack on the default ports is never touched. The tests run in
// order on the same stack: up, kill a TaskManager, kill the JobManager, down.

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

/** Resource ids of the TaskManagers Flink lists, sorted. */
async function listedIds(settings: StackSettings): Promise<string[]> {
  return ((await registeredTaskManagers(endpointsOf(settings).flinkRestUrl)) ?? []).map((tm) => tm.id).sort();
}

// Counting processes reads /proc, which only Linux has; on other systems this file is skipped.
describe.skipIf(process.platform !== "linux")(
  "native stack launcher (separate stack, 2 TaskManagers)",
  () => {
    let env: NodeJS.ProcessEnv;
    let stateDir: string;
    let settings: StackSettings;
    const log = (line: string) => console.info(`[test stack] ${line}`);

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
        SLUICE_TM_MEMORY: "1024m",
        SLUICE_TM_SLOTS: "2",
        SLUICE_TASKMANAGERS: "2",
      };
      settings = stackSettings(env);
    });

    afterAll(async () => {
      if (!stateDir) return;
      await cli("down"); // in case a test failed half-way
      // mkdtemp's folder is private to root: PostgreSQL's data went under the temp dir instead.
      await rm(postgresDirs(settings).home, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    });

    /**
     * Runs the CLI without blocking this process: TaskManagers that `ensureUp`
     * started from here are its children, and only a free event loop reaps them.
     */
    function cli(command: string): Promise<{ code: number | null; output: string }> {
      const child = spawn(process.execPath, [join(repoRoot, "infra", "stack", "cli.ts"), command], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 400_000,
      });
      let output = "";
      child.stdout.on("data", (d) => {
        output += d;
      });
      child.stderr.on("data", (d) => {
        output += d;
      });
      return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
    }

    // PostgreSQL is not a JVM with identity flags (processesOf counts those); its pid is its own.
    const onePerComponent = () =>
      Object.fromEntries(
        componentNames(settings)
          .filter((c) => c !== "postgres")
          .map((c) => [c, 1]),
      );

    it("refuses to start when a port belongs to another process, naming port and component", async () => {
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

    it("up runs one process per component and 2 registered TaskManagers; up again starts nothing", {
      timeout: 600_000,
    }, async () => {
      const first = await cli("up");
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain("stack is up");
      expect(await processesOf(stateDir)).toEqual(onePerComponent());
      const listed = await registeredTaskManagers(endpointsOf(settings).flinkRestUrl);
      expect(listed?.map((tm) => tm.slots)).toEqual([2, 2]);

      const second = await cli("up");
      expect(second.code, second.output).toBe(0);
      for (const c of componentNames(settings)) expect(second.output).toContain(`${c} already running`);
      expect(await processesOf(stateDir)).toEqual(onePerComponent());

      const status = await cli("status");
      expect(status.code, status.output).toBe(0);
      expect(status.output).toMatch(/taskmanager-2 +up +pid \d+ +registered, 2 slots/);
    });

    it("a SIGKILLed TaskManager leaves Flink within seconds; up restarts only it and waits for it", async () => {
      expect(await killComponent(settings, "taskmanager-2")).toBeDefined();
      const killedAt = Date.now();
      // Flink's defaults (10 s heartbeats, 50 s timeout) would keep it listed for up to a minute.
      while ((await taskManagerCount(settings)) > 1) {
        expect(Date.now() - killedAt, "Flink still lists the killed TaskManager").toBeLessThan(15_000);
        await sleep(200);
      }
      console.info(`Flink dropped the SIGKILLed TaskManager after ${Date.now() - killedAt} ms`);
      expect((await cli("status")).output).toMatch(/taskmanager-2 +down +pid - +not registered/);

      const { started } = await ensureUp(settings, log);
      expect(started).toEqual(["taskmanager-2"]);
      expect(await taskManagerCount(settings)).toBe(2);
      expect(await processesOf(stateDir)).toEqual(onePerComponent());
    });

    it("up right after a kill waits for the new TaskManager, not the dead one Flink still lists", async () => {
      const before = await listedIds(settings);
      const old = before.find((id) => id.startsWith("taskmanager-1-"));
      await killComponent(settings, "taskmanager-1");
      const { started } = await ensureUp(settings, log);
      expect(started).toEqual(["taskmanager-1"]);
      const after = await listedIds(settings);
      expect(after.filter((id) => id.startsWith("taskmanager-1-") && id !== old)).toHaveLength(1);
    });

    it("a SIGKILLed JobManager: up restarts only it and the running TaskManagers register again", async () => {
      const ids = await listedIds(settings);
      expect(ids).toHaveLength(2);
      await killComponent(settings, "jobmanager");
      const { started } = await ensureUp(settings, log);
      expect(started).toEqual(["jobmanager"]);
      // The same TaskManager processes (same resource ids), registered with the new JobManager.
      expect(await listedIds(settings)).toEqual(ids);
      expect(await processesOf(stateDir)).toEqual(onePerComponent());
    });

    it("down leaves no process", async () => {
      const down = await cli("down");
      expect(down.code, down.output).toBe(0);
      expect(await processesOf(stateDir)).toEqual({});
      expect((await cli("status")).code).toBe(3);
    });
  },
);
