import fp from "fastify-plugin";
import { type JobCommands, jobCommands } from "../commands/index.ts";
import type { JobCompiler } from "../compiler/port.ts";
import type { ApiConfig } from "../config.ts";
import type { FlinkPort } from "../flink/port.ts";
import type { TaskPublisher, ThemeCountsSource } from "../kafka.ts";
import type { LifecycleContext } from "../lifecycle/context.ts";
import { type ObservationResult, Reconciler } from "../lifecycle/reconciler.ts";
import { ApiMetrics } from "../metrics.ts";
import { JobStore } from "../store/store.ts";

declare module "fastify" {
  interface FastifyInstance {
    config: ApiConfig;
    store: JobStore;
    flink: FlinkPort;
    compiler: JobCompiler;
    reconciler: Reconciler;
    metrics: ApiMetrics;
    lifecycle: LifecycleContext;
    themes: ThemeCountsSource | undefined;
    /** The rules behind the mutating job routes. */
    commands: JobCommands;
    /** The last observation of Flink if fresh enough, else a new one. */
    observation(): Promise<ObservationResult>;
  }
}

export interface ServiceOptions {
  config: ApiConfig;
  flink: FlinkPort;
  compiler: JobCompiler;
  /** Defaults to a store opened at `config.dbPath` (and closed with the app). */
  store?: JobStore | undefined;
  /** Publishes enrichment tasks to the enricher's task topic (the Kafka gateway in production). */
  tasks?: TaskPublisher | undefined;
  /** Source of GET /v1/themes/trending (the Kafka gateway in production). */
  themes?: ThemeCountsSource | undefined;
  /** Where job secrets are read from; defaults to `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  now?: (() => number) | undefined;
}

/**
 * The app's own decorators: configuration, store, Flink port, compiler, the reconciler (started
 * when the app is ready, stopped when it closes), metrics and the job commands.
 */
export const services = fp<ServiceOptions>(
  async (app, options) => {
    const { config, flink, compiler } = options;
    const now = options.now ?? Date.now;
    const store = options.store ?? JobStore.open(config.dbPath);
    const lifecycle: LifecycleContext = {
      store,
      flink,
      compiler,
      tasks: options.tasks,
      config,
      env: options.env ?? process.env,
      log: app.log,
      now,
    };
    const reconciler = new Reconciler(lifecycle, { intervalMs: config.reconcileIntervalMs });
    const observation = async (): Promise<ObservationResult> => {
      const last = reconciler.last;
      if (last && config.reconcileIntervalMs > 0 && now() - last.at < config.reconcileIntervalMs) return last;
      return reconciler.observeShared();
    };

    app.decorate("config", config);
    app.decorate("store", store);
    app.decorate("flink", flink);
    app.decorate("compiler", compiler);
    app.decorate("lifecycle", lifecycle);
    app.decorate("themes", options.themes);
    app.decorate("reconciler", reconciler);
    app.decorate("metrics", new ApiMetrics({ store, reconciler, restartLimit: config.restartLimit }));
    app.decorate("observation", observation);
    app.decorate(
      "commands",
      jobCommands({
        store,
        compiler,
        flink,
        secrets: lifecycle,
        observation,
        wake: () => reconciler.wake(),
        now,
      }),
    );

    app.addHook("onReady", async () => {
      reconciler.start();
    });
    app.addHook("onClose", async () => {
      await reconciler.stop();
      if (!options.store) store.close();
    });
  },
  { name: "sluice-services" },
);
