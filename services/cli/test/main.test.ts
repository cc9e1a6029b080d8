import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fakeApiPerTest, jobDetail, problemReply } from "./fake-api.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/** The link npm makes for the package's `bin`, so this is what `npx sluice` runs. */
const bin = `${root}node_modules/.bin/sluice`;
/** Each test starts `node` up to three times; on a loaded machine that takes longer than vitest's default 5 s. */
const SPAWN_TIMEOUT_MS = 30_000;

function sluice(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const api = fakeApiPerTest();

describe("the sluice executable", () => {
  it(
    "runs from the npm bin link and exits 0 with output",
    async () => {
      api.fake.on("GET", "/v1/jobs", { status: 200, body: { jobs: [jobDetail()], strays: [] } });
      const { code, stdout } = await sluice(["ls"], { SLUICE_API_URL: api.url });
      expect(stdout).toContain("orders  1        RUNNING");
      expect(code).toBe(0);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    "exits with the documented codes",
    async () => {
      api.fake.on("GET", "/v1/jobs/nope", problemReply(404, "JOB_NOT_FOUND", "No job named nope"));
      expect((await sluice(["get", "nope", "--api-url", api.url])).code).toBe(1);
      expect((await sluice(["frobnicate"])).code).toBe(2);
      await api.fake.close();
      expect((await sluice(["ls", "--api-url", api.url])).code).toBe(3);
    },
    SPAWN_TIMEOUT_MS,
  );
});
