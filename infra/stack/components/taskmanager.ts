import type { ComponentKind } from "../component.ts";
import { taskManagerReady } from "../readiness.ts";
import { endpointsOf } from "../settings.ts";
import { flinkComponent } from "./flink-process.ts";

/** The TaskManager: registers with the JobManager and offers its slots. */
export const taskManagers: ComponentKind = (settings) => [
  flinkComponent(settings, {
    name: "taskmanager",
    process: "taskmanager",
    ports: [],
    ready: () => taskManagerReady(endpointsOf(settings).flinkRestUrl),
  }),
];
