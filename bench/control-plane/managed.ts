/**
 * The API (in process: real store, reconciler, Flink client) managing `size` RUNNING jobs of a
 * SIMULATED Flink, written straight into the store (one version, one run each) as if the API had
 * submitted them, each with its finished submit operation. Shared by the bench (run.ts) and the profiler probe (probe.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, FlinkClientAdapter, loadConfig, sluiceCompiler } from "@sluice/api";
import { datagenToBlackhole } from "@sluice/testkit";
import { SimulatedFlink } from "./simulated-flink.ts";

type App = Awaited<ReturnType<typeof buildApp>>;

export interface ManagedApi {
  app: App;
  sim: SimulatedFlink;
  close(): Promise<void>;
}

export const jobName = (i: number) => `job-${String(i).padStart(5, "0")}`;

export async function managedApi(size: number, reconcileIntervalMs: number): Promise<ManagedApi> {
  const sim = new SimulatedFlink();
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-cp-"));
  const config = loadConfig({
    SLUICE_API_AUTH: "none",
    SLUICE_FLINK_REST_URL: sim.url,
    SLUICE_SQL_GATEWAY_URL: sim.url,
    SLUICE_DB_PATH: join(dir, "sluice.db"),
    SLUICE_RECONCILE_INTERVAL_MS: String(reconcileIntervalMs),
    SLUICE_LOG_LEVEL: "silent",
  });
  const flink = new FlinkClientAdapter({ restUrl: sim.url, sqlGatewayUrl: sim.url });
  const app = await buildApp({ config, flink, compiler: sluiceCompiler });
  await app.reconciler.stop();
  const now = Date.now();
  for (let i = 0; i < size; i++) {
    const name = jobName(i);
    const validated = sluiceCompiler.validate(datagenToBlackhole({ name, rowsPerSecond: 1 }));
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
    const compiled = sluiceCompiler.compile(validated.spec);
    app.store.createJob(
      { name, spec: validated.spec, specHash: name, compiled, desiredState: "RUNNING" },
      now,
    );
    const flinkJobId = i.toString(16).padStart(32, "0");
    app.store.recordRun({
      flinkJobId,
      jobName: name,
      version: 1,
      restoredFrom: null,
      operationId: null,
      submittedAt: now,
    });
    // The submission that started it, finished, as every job submitted through the API has.
    const op = app.store.addOperation(
      name,
      "submit",
      { version: 1, restore: { mode: "none" }, reason: "create" },
      now,
    );
    app.store.updateOperation(
      op.id,
      { status: "succeeded", progress: { flinkJobId, runningSince: now } },
      now,
    );
    sim.add({ id: flinkJobId, name: `sluice/${name}/v1`, startTime: now });
  }
  return {
    app,
    sim,
    async close() {
      await app.close();
      await flink.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
