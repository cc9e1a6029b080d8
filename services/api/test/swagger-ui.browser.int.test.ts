import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stackEndpoints, uniqueName } from "@sluice/testkit";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { sluiceCompiler } from "../src/compiler/sluice-compiler.ts";
import { loadConfig } from "../src/config.ts";
import { FlinkClientAdapter } from "../src/flink/adapter.ts";
import { datagenSpec } from "./specs.ts";

/**
 * Swagger UI in a real headless Chromium (Debian's `chromium` package, driven by playwright-core):
 * the page at /docs loads from the local @fastify/swagger-ui assets (the network is closed, no
 * CDN), lists the job routes, takes a bearer token through "Authorize", and runs
 * "GET /v1/jobs" with "Try it out" / "Execute"; opens "POST /v1/jobs" (the JobSpec body with its
 * recursive expressions, queries and types) without a resolver error and runs a dry run that
 * the real Flink EXPLAINs. The API runs on a random port against the real Flink of the dev
 * stack, with its reconcile loop off so the job created here is only stored, never submitted.
 */

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const TOKEN = `browser-test-${Math.random().toString(36).slice(2, 12)}`;
const screenshotDir = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));

let app: FastifyInstance | undefined;
let flink: FlinkClientAdapter | undefined;
let baseUrl = "";
let workDir = "";
let context: BrowserContext | undefined;
const jobName = uniqueName("swagger-ui").toLowerCase().replaceAll("_", "-");

describe("Swagger UI", () => {
  beforeAll(async () => {
    if (!hasChromium) return;
    workDir = await mkdtemp(join(tmpdir(), "sluice-swagger-ui-"));
    const env = {
      SLUICE_API_TOKENS: TOKEN,
      SLUICE_DB_PATH: join(workDir, "sluice.db"),
      SLUICE_RECONCILE_INTERVAL_MS: "0",
      SLUICE_FLINK_REST_URL: stackEndpoints().flinkRestUrl,
      SLUICE_SQL_GATEWAY_URL: stackEndpoints().sqlGatewayUrl,
    };
    const config = loadConfig(env);
    flink = new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl });
    app = await buildApp({ config, flink, compiler: sluiceCompiler, env });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });

    // One stored job, so the list the browser fetches is not empty (no reconciler: never submitted).
    const created = await app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: datagenSpec(jobName),
    });
    expect(created.statusCode).toBe(202);

    context = await chromium.launchPersistentContext(join(workDir, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 2000 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    await flink?.close();
    if (workDir !== "") await rm(workDir, { recursive: true, force: true });
  });

  it("lists the job routes, authorizes, runs GET /v1/jobs and sends the token to a mutating route", async (ctx) => {
    if (!hasChromium || !context) {
      ctx.skip(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
      return;
    }
    const page: Page = await context.newPage();
    const offHost: string[] = [];
    const apiRequests: Array<{ url: string; authorization: string | undefined }> = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.origin !== baseUrl && url.protocol !== "data:") offHost.push(request.url());
      if (url.pathname.startsWith("/v1/")) {
        apiRequests.push({ url: url.pathname, authorization: request.headers().authorization });
      }
    });

    await page.goto(`${baseUrl}/docs`);
    await page.locator(".swagger-ui .info .title").filter({ hasText: "Sluice API" }).waitFor();

    // Every job route is listed.
    const paths = await page
      .locator(".opblock-summary-path")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-path") ?? n.textContent ?? ""));
    for (const path of [
      "/v1/jobs",
      "/v1/jobs/{name}",
      "/v1/jobs/{name}/stop",
      "/v1/jobs/{name}/start",
      "/v1/jobs/{name}/savepoints",
      "/v1/jobs/{name}/events",
    ]) {
      expect(paths).toContain(path);
    }

    await authorize(page);

    // Expand "GET /v1/jobs", Try it out, Execute.
    const listJobs = page
      .locator(".opblock.opblock-get")
      .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/jobs"]') });
    await listJobs.locator(".opblock-summary").first().click();
    await listJobs.locator("button.try-out__btn").click();
    await listJobs.locator("button.execute").click();

    const live = listJobs.locator(".live-responses-table");
    await live.locator(".response-col_status").filter({ hasText: "200" }).first().waitFor();
    const body = await live
      .locator(".response-col_description .microlight, .response-col_description pre")
      .first()
      .textContent();
    const list = JSON.parse(body ?? "") as {
      jobs: Array<{ name: string; version: number; desiredState: string }>;
    };
    expect(list.jobs).toEqual([
      expect.objectContaining({ name: jobName, version: 1, desiredState: "RUNNING" }),
    ]);
    expect(await listJobs.textContent()).toContain(`${baseUrl}/v1/jobs`); // the request URL shown

    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, "swagger-ui.png"), fullPage: true });

    expect(apiRequests.map((r) => r.url)).toContain("/v1/jobs");

    // A mutating route gets the token from "Authorize": stopping the job is refused with 409
    // (its submission is still pending, the reconciler being off), not 401.
    const stopJob = page
      .locator(".opblock.opblock-post")
      .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/jobs/{name}/stop"]') });
    await stopJob.locator(".opblock-summary").first().click();
    await stopJob.locator("button.try-out__btn").click();
    await stopJob.locator('tr[data-param-name="name"] input').fill(jobName);
    await stopJob.locator("button.execute").click();
    await stopJob
      .locator(".live-responses-table .response-col_status")
      .filter({ hasText: "409" })
      .first()
      .waitFor();
    expect(await stopJob.locator(".live-responses-table").textContent()).toContain("OPERATION_IN_PROGRESS");
    const stopRequest = apiRequests.find((r) => r.url === `/v1/jobs/${jobName}/stop`);
    expect(stopRequest?.authorization).toBe(`Bearer ${TOKEN}`);

    // Everything came from the API itself: Swagger UI's assets are served locally.
    expect(offHost).toEqual([]);
  });

  it("opens POST /v1/jobs with its JobSpec schema resolved and runs a dry run", async (ctx) => {
    if (!hasChromium || !context) {
      ctx.skip(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
      return;
    }
    const page: Page = await context.newPage();
    let createJob = await openCreateJob(page);
    // The body's schema: JobSpec, with `inserts` expanded all the way down (queries, FROM clauses,
    // expressions, types: the recursive parts). Swagger UI resolves each subtree's $refs as it
    // opens it; an unresolvable one shows a "Resolver error" box.
    const body = createJob.locator(".opblock-section-request-body");
    await body.locator('.tablinks[data-name="model"]').click();
    await body.getByText("JobSpecInput").first().waitFor();
    const inserts = body
      .locator(".json-schema-2020-12-property")
      .filter({ has: page.locator(".json-schema-2020-12__title", { hasText: /^inserts$/ }) })
      .first();
    await inserts
      .locator(".json-schema-2020-12-expand-deep-button")
      .filter({ hasText: "Expand all" })
      .click();
    // Rendering the recursive tree takes seconds on a loaded machine.
    const rendering = { timeout: 60_000 };
    // Opened down to the recursive parts (by name), or stopped by a resolver error.
    const errors = page.locator(".errors-wrapper");
    const opened = async () => (await errors.count()) + (await body.getByText("ExpressionInput").count());
    await expect.poll(opened, rendering).toBeGreaterThan(0);
    expect(await errors.allTextContents()).toEqual([]);
    expect(await page.locator("body").textContent()).not.toMatch(
      /Could not resolve reference|Resolver error/,
    );
    for (const part of ["ExpressionInput", "QueryInput", "FromInput", "SqlTypeInput"]) {
      await expect
        .poll(() => body.getByText(part).count(), { ...rendering, message: part })
        .toBeGreaterThan(0);
    }
    // A fresh page for Try it out: the fully open tree makes every re-render slow.
    createJob = await openCreateJob(page);

    // Try it out: a dry run of a datagen job, EXPLAINed by the real Flink.
    await createJob.locator("button.try-out__btn").click();
    await createJob.locator('tr[data-param-name="dryRun"] select').selectOption("true");
    await createJob.locator("textarea.body-param__text").fill(JSON.stringify(datagenSpec(`${jobName}-dry`)));
    await createJob.locator("button.execute").click();
    const live = createJob.locator(".live-responses-table");
    await live
      .locator(".response-col_status")
      .filter({ hasText: "200" })
      .first()
      .waitFor({ timeout: 60_000 });
    const answer = await live
      .locator(".response-col_description .microlight, .response-col_description pre")
      .first()
      .textContent();
    expect(JSON.parse(answer ?? "")).toMatchObject({
      dryRun: true,
      name: `${jobName}-dry`,
      plan: expect.stringContaining("== Optimized Physical Plan =="),
    });
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, "swagger-ui-create-job.png"), fullPage: true });
  });
});

/** Swagger UI, authorized, with "POST /v1/jobs" open. */
async function openCreateJob(page: Page) {
  await page.goto(`${baseUrl}/docs`);
  await page.locator(".swagger-ui .info .title").filter({ hasText: "Sluice API" }).waitFor();
  await authorize(page);
  const createJob = page
    .locator(".opblock.opblock-post")
    .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/jobs"]') });
  await createJob.locator(".opblock-summary").first().click();
  return createJob;
}

/** "Authorize" with the bearer token: Try it out sends it to every route that needs it. */
async function authorize(page: Page): Promise<void> {
  await page.locator(".scheme-container .btn.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.locator("input").first().fill(TOKEN);
  await dialog.locator("button.authorize").click();
  await expect.poll(() => dialog.locator("button.authorize").count()).toBe(0); // now "Logout"
  await dialog.locator("button.btn-done").click();
}
