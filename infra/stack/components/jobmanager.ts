import type { ComponentKind } from "../component.ts";
import { flinkRestReady } from "../readiness.ts";
import { endpointsOf } from "../settings.ts";
import { flinkComponent } from "./flink-process.ts";

/** The Flink JobManager of the session cluster (REST API and ResourceManager). */
export const jobManager: ComponentKind = (settings) => [
  flinkComponent(settings, {
    name: "jobmanager",
    process: "jobmanager",
    ports: [
      ["Flink REST", settings.ports.flinkRest],
      ["Flink JobManager RPC", settings.ports.flinkRpc],
    ],
    ready: () => flinkRestReady(endpointsOf(settings).flinkRestUrl),
  }),
];
