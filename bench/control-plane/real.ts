/**
 * The REAL-Flink row of the control-plane bench: on the shared stack (stackEndpoints()), as many
 * tiny datagen -> blackhole jobs as leave {@link FREE_SLOTS} task slots free (at most `max`),
 * created through the API (POST /v1/jobs) and measured like the simulated rows, with the API's
 * Flink REST calls counted by a proxy. The jobs are deleted (cancelled) at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, FlinkClientAdapter, loadConfig, sluiceCompiler } from "@sluice/api";
import { datagenToBlackhole, stackEndpoints, uniqueName } from "@sluice/testkit";
import { CountingProxy } from "./counting-proxy.ts";
import { type LoadOptions, measure, RECONCILE_INTERVAL_MS, type Row } from "./measure.ts";

type App = Awaited<ReturnType<typeof buildApp>>;

/** Task slots left to the other engineers' tests on the shared stack. */
const FREE_SLOTS = 8;
const WAIT_MS = 180_000;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function states(app: App, names: string[]): Promise<string[]> {
  const res = await app.inject({ url: `/v1/jobs?limit=${Math.max(names.length, 1)}` });
  const body = res.json() as { jobs: Array<{ name: string; state: string }> };
  const wanted = new Set(names);
  return body.jobs.filter((j) => wanted.has(j.name)).map((j) => j.state);
}

export async function realRow(max: number, passes: number, options: LoadOptions): Promise<Row> {
  const endpoints = stackEndpoints();
  const proxy = new CountingProxy(endpoints.flinkRestUrl);
  await proxy.start();
  const flink = new FlinkClientAdapter({ restUrl: proxy.url, sqlGatewayUrl: endpoints.sqlGatewayUrl });
  const cluster = await flink.cluster();
  const count = Math.min(max, cluster.slotsAvailable - FREE_SLOTS);
  if (count < 1) throw new Error(`only ${cluster.slotsAvailable} free slots: none left for the real row`);
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-cp-real-"));
  const config = loadConfig({
    SLUICE_API_AUTH: "none",
    SLUICE_FLINK_REST_URL: proxy.url,
    SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
    SLUICE_LOG_LEVEL: "silent",
  });
  const app = await buildApp({ config, flink, compiler: sluiceCompiler });
  const prefix = `cp-${uniqueName("x").replaceAll("_", "-").slice(2)}`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    for (const name of names) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/jobs",
        payload: datagenToBlackhole({ name, rowsPerSecond: 1 }),
      });
      if (res.statusCode !== 202)
        throw new Error(`POST ${name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    await until(`${count} jobs RUNNING`, async () => {
      const shown = await states(app, names);
      return shown.length === count && shown.every((s) => s === "RUNNING");
    });
    return await measure(
      {
        label: "REAL",
        app,
        jobs: count,
        oneName: names[0] as string,
        requests: () => proxy.requests,
      },
      passes,
      options,
    );
  } finally {
    await removeAll(app, names);
    await app.close();
    await flink.close();
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deletes the row's jobs (cancel, no savepoint) and waits until the API forgot them. */
async function removeAll(app: App, names: string[]): Promise<void> {
  app.reconciler.start();
  for (const name of names) await app.inject({ method: "DELETE", url: `/v1/jobs/${name}?mode=cancel` });
  await until("the jobs are deleted", async () => (await states(app, names)).length === 0).catch(
    (error: unknown) => console.error(`cleanup: ${String(error)}; cancel sluice/${names[0]}... by hand`),
  );
}
