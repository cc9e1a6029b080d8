import type { FastifyBaseLogger } from "fastify";
import type { JobCompiler } from "../compiler/port.ts";
import type { ApiConfig } from "../config.ts";
import type { FlinkJobSummary, FlinkPort } from "../flink/port.ts";
import type { TaskPublisher } from "../kafka.ts";
import type { JobStore } from "../store/store.ts";

/** What the lifecycle code needs around it; built once in `app.ts`. */
export interface LifecycleContext {
  store: JobStore;
  flink: FlinkPort;
  compiler: JobCompiler;
  /** Publishes enrichment tasks for the enricher; absent: jobs with enrichments still run, without tasks. */
  tasks?: TaskPublisher | undefined;
  config: Pick<
    ApiConfig,
    | "savepointDir"
    | "upgradeVerifyMs"
    | "submitGraceMs"
    | "operationTimeoutMs"
    | "restartLimit"
    | "restartBackoffMs"
    | "restartBackoffMaxMs"
    | "secretEnvPrefix"
    | "flow"
  >;
  /** Where secrets come from (the process environment in production). */
  env: Record<string, string | undefined>;
  log: FastifyBaseLogger;
  now: () => number;
}

/** One successful look at Flink: every job it knows. */
export interface Observation {
  at: number;
  jobs: FlinkJobSummary[];
}
