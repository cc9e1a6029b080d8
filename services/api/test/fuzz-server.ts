/**
 * The API on the hand-written fake Flink and an in-memory store, listening on a port, for
 * schema-based fuzzing (schemathesis) without touching the shared Flink cluster:
 *
 *   node services/api/test/fuzz-server.ts 18080 &
 *   schemathesis run http://127.0.0.1:18080/openapi.json -H "Authorization: Bearer fuzz-token-123456"
 */
import Fastify from "fastify";
import { fastifyOptions, sluiceApp } from "../src/app.ts";
import { sluiceCompiler } from "../src/compiler/sluice-compiler.ts";
import { loadConfig } from "../src/config.ts";
import { FakeFlink } from "../src/flink/fake.ts";
import { JobStore } from "../src/store/store.ts";

const port = Number(process.argv[2] ?? 18080);
const config = loadConfig({
  SLUICE_API_TOKENS: "fuzz-token-123456",
  SLUICE_API_PORT: String(port),
  SLUICE_RECONCILE_INTERVAL_MS: "200",
  SLUICE_LOG_LEVEL: "warn",
});
const app = Fastify(fastifyOptions(config));
const themes = { trending: async () => ({ total: [{ theme: "battery", count: 3 }], latestWindow: null }) };
await app.register(sluiceApp, {
  config,
  flink: new FakeFlink(),
  compiler: sluiceCompiler,
  store: JobStore.open(":memory:"),
  themes,
});
await app.listen({ port, host: "127.0.0.1" });
