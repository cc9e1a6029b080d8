/**
 * `@sluice/api`: the Sluice control-plane HTTP API (Fastify). `buildApp` for tests and embedding;
 * `server.ts` runs it. Test doubles are in `@sluice/api/testing`.
 */
export { type AppOptions, buildApp, fastifyOptions, sluiceApp } from "./app.ts";
export type { JobCompiler } from "./compiler/port.ts";
export { sluiceCompiler } from "./compiler/sluice-compiler.ts";
export { type ApiConfig, loadConfig } from "./config.ts";
export {
  API_ERROR_CODES,
  ApiError,
  type ApiErrorCode,
  ConfigError,
  KafkaUnavailableError,
  type ProblemDocument,
} from "./errors.ts";
export { FlinkClientAdapter, GATEWAY_POLL } from "./flink/adapter.ts";
export { FlinkError, type FlinkPort, parsePipelineName, pipelineName } from "./flink/port.ts";
export { STARTUP_WATCH_MS } from "./lifecycle/reconciler.ts";
export { LIFECYCLE_STATES, type LifecycleState } from "./lifecycle/state.ts";
export { JobStore } from "./store/store.ts";
