import { afterEach, describe, expect, it } from "vitest";
import { auth, type TestApp, testApp } from "../../test/helper.ts";
import { datagenSpec } from "../../test/specs.ts";
import { sluiceCompiler } from "../compiler/sluice-compiler.ts";
import { JOB_PAGE_SIZE } from "../schemas.ts";

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

/** `n` jobs recorded straight in the store (names `job-000` ...), none started. */
async function withJobs(n: number): Promise<string[]> {
  t = await testApp();
  const names = Array.from({ length: n }, (_, i) => `job-${String(i).padStart(3, "0")}`);
  for (const name of [...names].reverse()) {
    const validated = sluiceCompiler.validate(datagenSpec(name));
    if (!validated.ok) throw new Error("invalid spec");
    const compiled = sluiceCompiler.compile(validated.spec);
    t.store.createJob({ name, spec: validated.spec, specHash: name, compiled, desiredState: "STOPPED" }, 1);
  }
  return names;
}

type Page = { jobs: Array<{ name: string }>; strays: unknown[]; nextCursor: string | null };

async function page(query: string): Promise<Page> {
  const res = await t.app.inject({ url: `/v1/jobs${query}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json() as Page;
}

describe("GET /v1/jobs pages", () => {
  it("lists every job once, in name order, following nextCursor", async () => {
    const names = await withJobs(17);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: Page = await page(`?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(body.jobs.length).toBeLessThanOrEqual(5);
      seen.push(...body.jobs.map((j) => j.name));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(names);
    expect(pages).toBe(4);
  });

  it("has no next page when the last page is full", async () => {
    await withJobs(10);
    const first = await page("?limit=5");
    expect(first.nextCursor).toBe("job-004");
    const second = await page(`?limit=5&cursor=${first.nextCursor}`);
    expect(second.jobs.map((j) => j.name)).toEqual(["job-005", "job-006", "job-007", "job-008", "job-009"]);
    expect(second.nextCursor).toBeNull();
  });

  it(`answers ${JOB_PAGE_SIZE} jobs without a limit`, async () => {
    await withJobs(JOB_PAGE_SIZE + 1);
    const body = await page("");
    expect(body.jobs).toHaveLength(JOB_PAGE_SIZE);
    expect(body.nextCursor).toBe(`job-${String(JOB_PAGE_SIZE - 1).padStart(3, "0")}`);
    expect((await page(`?cursor=${body.nextCursor}`)).jobs.map((j) => j.name)).toEqual([
      `job-${JOB_PAGE_SIZE}`,
    ]);
  });

  it("refuses a bad limit or cursor with 400 naming the parameter", async () => {
    await withJobs(1);
    for (const query of ["?limit=0", "?limit=1001", "?limit=x", "?cursor=Not%20A%20Name"]) {
      const res = await t.app.inject({ url: `/v1/jobs${query}`, headers: auth });
      expect(res.statusCode, query).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.body).toMatch(query.startsWith("?limit") ? /limit/ : /cursor/);
    }
  });
});
