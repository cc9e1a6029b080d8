/**
 * The API listening on a port with an in-memory store, for schema-based fuzzing (schemathesis):
 *
 *   node services/api/test/fuzz-server.ts 18080 [--real] &
 *   schemathesis run --checks all http://127.0.0.1:18080/openapi.json \
 *     -H "Authorization: Bearer fuzz-token-123456"
 *
 * By default on the hand-written fake Flink (reconcile loop on, jobs "run" in the fake). With
 * `--real`, on the dev stack's Flink and Kafka, reconcile loop off: dry runs are EXPLAINed by the
 * real Flink, and jobs are only stored, never submitted to the shared cluster.
 */
import { stackEndpoints } from "@sluice/testkit";
import Fastify from "fastify";
import { fastifyOptions, sluiceApp } from "../src/app.ts";
import { sluiceCompiler } from "../src/compiler/sluice-compiler.ts";
import { loadConfig } from "../src/config.ts";
import { FlinkClientAdapter } from "../src/flink/adapter.ts";
import { FakeFlink } from "../src/flink/fake.ts";
import { KafkaGateway } from "../src/kafka.ts";
import { JobStore } from "../src/store/store.ts";

const port = Number(process.argv[2] ?? 18080);
const real = process.argv.includes("--real");
const endpoints = stackEndpoints();
const env = {
  SLUICE_API_TOKENS: "fuzz-token-123456",
  SLUICE_API_PORT: String(port),
  SLUICE_RECONCILE_INTERVAL_MS: real ? "0" : "200",
  SLUICE_LOG_LEVEL: "warn",
  SLUICE_FLINK_REST_URL: endpoints.flinkRestUrl,
  SLUICE_SQL_GATEWAY_URL: endpoints.sqlGatewayUrl,
  SLUICE_KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
};
const config = loadConfig(env);
const app = Fastify(fastifyOptions(config));
const flink = real
  ? new FlinkClientAdapter({ restUrl: config.flinkRestUrl, sqlGatewayUrl: config.sqlGatewayUrl })
  : new FakeFlink();
const themes = real
  ? new KafkaGateway({
      brokers: config.kafkaBrokers,
      taskTopic: config.enrichmentTaskTopic,
      themesTotalTopic: config.themesTotalTopic,
      themesWindowedTopic: config.themesWindowedTopic,
    })
  : { trending: async () => ({ total: [{ theme: "battery", count: 3 }], latestWindow: null }) };
await app.register(sluiceApp, {
  config,
  flink,
  compiler: sluiceCompiler,
  store: JobStore.open(":memory:"),
  themes,
  env,
});
await app.listen({ port, host: "127.0.0.1" });
