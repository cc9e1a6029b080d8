import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, stackEndpoints, uniqueName, waitFor } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The `sluice` executable as a child process against the REAL API (`node services/api/src/server.ts`
 * on a random port with a temporary job store) and the real Flink session cluster of the dev
 * stack: plan, apply, ls, stop, start, then rm. The job is datagen -> blackhole (no Kafka).
 */

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(root, "node_modules/.bin/sluice");
const fixture = pathToFileURL(fileURLToPath(new URL("./fixtures/datagen-job.ts", import.meta.url))).href;
const TOKEN = `cli-int-${Math.random().toString(36).slice(2, 14)}`;
const { flinkRestUrl, sqlGatewayUrl } = stackEndpoints();
const jobName = uniqueName("cli").replaceAll("_", "-");

let workDir = "";
let api: ChildProcess | undefined;
let apiLog = "";
let apiUrl = "";

/** Runs `sluice <args>` with the API URL and token in the environment. */
function sluice(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? "", SLUICE_API_URL: apiUrl, SLUICE_API_TOKEN: TOKEN },
        timeout: 200_000,
      },
      (error, stdout, stderr) => {
        expect(stdout + stderr).not.toContain(TOKEN);
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** A job definition file importing the typed factory, as a user's would. */
async function jobFile(file: string, rowsPerSecond: number): Promise<string> {
  const path = join(workDir, file);
  await writeFile(
    path,
    `import { datagenJob } from ${JSON.stringify(fixture)};\n` +
      `export default () => datagenJob({ name: ${JSON.stringify(jobName)}, rowsPerSecond: ${rowsPerSecond} });\n`,
  );
  return path;
}

interface FlinkJob {
  jid: string;
  name: string;
  state: string;
}
async function flinkJobs(): Promise<FlinkJob[]> {
  const res = await fetch(`${flinkRestUrl}/jobs/overview`);
  return ((await res.json()) as { jobs: FlinkJob[] }).jobs.filter((j) =>
    j.name.startsWith(`sluice/${jobName}/`),
  );
}

describe("sluice against the real API and Flink", () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "sluice-cli-int-"));
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, [join(root, "services/api/src/server.ts")], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        SLUICE_API_PORT: String(port),
        SLUICE_API_TOKENS: TOKEN,
        SLUICE_DB_PATH: join(workDir, "sluice.db"),
        SLUICE_FLINK_REST_URL: flinkRestUrl,
        SLUICE_SQL_GATEWAY_URL: sqlGatewayUrl,
        SLUICE_SAVEPOINT_DIR: pathToFileURL(join(workDir, "savepoints")).href,
        SLUICE_RECONCILE_INTERVAL_MS: "500",
        SLUICE_UPGRADE_VERIFY_MS: "2000",
        SLUICE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    api.stdout?.on("data", (chunk: Buffer) => {
      apiLog += chunk.toString();
    });
    api.stderr?.on("data", (chunk: Buffer) => {
      apiLog += chunk.toString();
    });
    await waitFor(
      async () => {
        if (api?.exitCode !== null) throw new Error(`the API exited: ${apiLog}`);
        const res = await fetch(`${apiUrl}/healthz`).catch(() => undefined);
        return res?.ok === true;
      },
      { timeout: 60_000, description: "the API answers /healthz" },
    );
  });

  afterAll(async () => {
    // Whatever happened above, leave no job of ours on the shared TaskManager.
    for (const job of await flinkJobs().catch(() => [])) {
      if (!["FINISHED", "CANCELED", "FAILED"].includes(job.state)) {
        await fetch(`${flinkRestUrl}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" }).catch(
          () => undefined,
        );
      }
    }
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api?.once("exit", resolve));
      api.kill("SIGTERM");
      await exited;
    }
    if (workDir !== "") await rm(workDir, { recursive: true, force: true });
  });

  it("plans a new job: compiled SQL, EXPLAIN by Flink, not deployed yet", async () => {
    const file = await jobFile("job.ts", 5);
    const { code, stdout, stderr } = await sluice("plan", file, "--explain");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("CREATE TEMPORARY TABLE `numbers` (");
    expect(stdout).toContain("'rows-per-second' = '5'");
    expect(stdout).toContain("Flink plan:");
    expect(stdout).toMatch(/TableSourceScan|DataGen|datagen/i);
    expect(stdout).toContain(`Not deployed yet: \`sluice apply\` creates "${jobName}" as version 1.`);
  });

  it("applies it and waits until Flink runs it", async () => {
    const { code, stdout, stderr } = await sluice(
      "apply",
      join(workDir, "job.ts"),
      "--wait",
      "--timeout",
      "180",
    );
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stderr).toContain(`Created ${jobName} (version 1)`);
    expect(stdout).toMatch(
      new RegExp(`^${jobName} is RUNNING \\(version 1, Flink job [0-9a-f]{32}\\)\\.\\n$`),
    );
    const running = (await flinkJobs()).filter((j) => j.state === "RUNNING");
    expect(running.map((j) => j.name)).toEqual([`sluice/${jobName}/v1`]);
  });

  it("lists it, and finds nothing to apply for the same file", async () => {
    const ls = await sluice("ls", "--json");
    expect(ls.code).toBe(0);
    const list = JSON.parse(ls.stdout) as { jobs: Array<{ name: string; state: string; version: number }> };
    expect(list.jobs).toEqual([expect.objectContaining({ name: jobName, state: "RUNNING", version: 1 })]);
    const human = await sluice("ls");
    expect(human.stdout).toMatch(new RegExp(`${jobName}\\s+1\\s+RUNNING\\s+RUNNING`));

    const again = await sluice("apply", join(workDir, "job.ts"));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${jobName} is up to date (version 1, RUNNING).\n`);
  });

  it("plans a change as a SQL diff against the deployed version", async () => {
    const file = await jobFile("job-v2.ts", 7);
    const { code, stdout } = await sluice("plan", file);
    expect(code).toBe(0);
    expect(stdout).toContain("The spec differs from deployed version 1 (RUNNING)");
    expect(stdout).toContain(`--- ${jobName} (deployed v1)\n+++ ${jobName} (${file})\n`);
    expect(stdout).toContain("\n-  'rows-per-second' = '5'\n+  'rows-per-second' = '7'\n");
    expect(stdout).toContain("State: compatible: every operator's state is kept");
  });

  it("applies the change as an upgrade through a savepoint", async () => {
    const { code, stdout, stderr } = await sluice(
      "apply",
      join(workDir, "job-v2.ts"),
      "--wait",
      "--timeout",
      "180",
    );
    expect(stderr).toContain(`Upgrading ${jobName} from version 1 to 2 (through a savepoint).`);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${jobName} is RUNNING \\(version 2, Flink job [0-9a-f]{32}\\)\\.\\n$`),
    );
    const running = (await flinkJobs()).filter((j) => j.state === "RUNNING");
    expect(running.map((j) => j.name)).toEqual([`sluice/${jobName}/v2`]);
  });

  it("stops it with a savepoint and starts it again from that savepoint", async () => {
    const stop = await sluice("stop", jobName, "--wait", "--timeout", "180");
    expect(stop.stderr).toContain(`Stopping ${jobName} (with a savepoint).`);
    expect(stop.code).toBe(0);
    const savepoint = /Savepoint: (\S+)\n$/.exec(stop.stdout)?.[1];
    expect(stop.stdout).toMatch(new RegExp(`^${jobName} is STOPPED\\. Savepoint: file:`));
    expect((await flinkJobs()).filter((j) => j.state === "RUNNING")).toEqual([]);

    const start = await sluice("start", jobName, "--wait", "--timeout", "180");
    expect(start.stderr).toContain(`Starting ${jobName} from its latest savepoint.`);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(new RegExp(`^${jobName} is RUNNING \\(Flink job [0-9a-f]{32}\\)\\.\\n$`));

    const get = await sluice("get", jobName, "--json");
    const job = JSON.parse(get.stdout) as { runs: Array<{ restoredFrom: string | null }> };
    expect(job.runs.map((r) => r.restoredFrom)).toContain(savepoint);

    const human = await sluice("get", jobName);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("State:        RUNNING\n");
    expect(human.stdout).toContain(`Savepoints (newest first):\n`);
    expect(human.stdout).toContain(` ${savepoint}\n`);
    const events = await sluice("events", jobName);
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(/^ID\s+AT\s+TYPE\s+MESSAGE\n/);
    expect(events.stdout).toContain("stop-requested");
    expect(events.stdout).toContain("start-requested");
  });

  it("reports an invalid spec's problems and a bad token with exit 1", async () => {
    const bad = join(workDir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({
        name: jobName,
        tables: [{ name: "t", columns: [], connector: { kind: "blackhole" } }],
      }),
    );
    const invalid = await sluice("apply", bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/INVALID_SPEC, HTTP 400/);
    expect(invalid.stderr).toMatch(/\n {2}tables\[0\]\.columns: /);

    const unauthorized = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, "stop", jobName, "--api-url", apiUrl],
        { env: { PATH: process.env.PATH ?? "", SLUICE_API_TOKEN: "wrong-token-123" } },
        (error, _out, stderr) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr }),
      );
    });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain("UNAUTHORIZED, HTTP 401");
  });

  it("deletes it", async () => {
    const rmJob = await sluice("rm", jobName, "--cancel", "--wait", "--timeout", "120");
    expect(rmJob.code).toBe(0);
    expect(rmJob.stdout).toBe(`Deleted ${jobName}.\n`);
    const get = await sluice("get", jobName);
    expect(get.code).toBe(1);
    expect(get.stderr).toContain("JOB_NOT_FOUND");
    expect((await flinkJobs()).filter((j) => j.state === "RUNNING")).toEqual([]);
  });
});
