/**
 * The native Flink + Kafka stack: its settings and endpoints, readiness probes,
 * and starting/stopping it. `cli.ts` is the command line over the same calls.
 *
 * @example
 *   import { endpointsOf, probeStack, stackSettings, stackUp } from "@sluice/stack";
 *   const settings = stackSettings();
 *   await stackUp(settings, console.log);
 *   (await probeStack(endpointsOf(settings))).all; // true
 */
export { ensureJars, type JarSet, kafkaJars } from "./artifacts.ts";

export {
  type Component,
  type ComponentKind,
  type ComponentStatus,
  type Log,
  logFile,
  processComponent,
  StackError,
} from "./component.ts";
export { taskManagerNames } from "./components/taskmanager.ts";
export { defaultFunctionsJar, ensureFunctionsJar, functionsJar } from "./functions.ts";
export {
  type PostgresEndpoint,
  postgresEndpoint,
  postgresJdbcUrl,
  postgresPid,
  postgresReady,
  startPostgres,
  stopPostgres,
} from "./postgres.ts";
export { applyMigrations, migrationsDir } from "./postgres-schema.ts";
export { freePort, portIsFree, tail } from "./processes.ts";
export {
  flinkRestReady,
  kafkaReady,
  probeStack,
  type RegisteredTaskManager,
  registeredTaskManagers,
  sqlGatewayReady,
  taskManagerReady,
} from "./readiness.ts";
export {
  endpointsOf,
  parseMemoryMb,
  repoRoot,
  type StackEndpoints,
  type StackSettings,
  stackSettings,
} from "./settings.ts";
export {
  componentNames,
  ensureUp,
  killComponent,
  stackComponents,
  stackDown,
  stackStatus,
  stackUp,
  startComponent,
  taskManagerCount,
  type UpResult,
} from "./stack.ts";
export { javaMajor, versions } from "./versions.ts";
