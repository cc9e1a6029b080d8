import Fastify from "fastify";
import { fastifyOptions, sluiceApp } from "./app.ts";
import { sluiceCompiler } from "./compiler/sluice-compiler.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { FlinkClientAdapter } from "./flink/adapter.ts";
import { KafkaGateway } from "./kafka.ts";
import { scrub } from "./lifecycle/secrets.ts";

/**
 * The server: reads the configuration (exit 1 with one line per bad variable), builds the app,
 * listens, and shuts down gracefully on SIGINT/SIGTERM (the reconciler finishes its pass, the
 * store is closed). Run with `node services/api/src/server.ts`.
 */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const secretValues = Object.entries(process.env)
  .filter(
    ([key, value]) => key.startsWith(config.secretEnvPrefix) && value !== undefined && value.length >= 4,
  )
  .map(([, value]) => value as string);

const flink = new FlinkClientAdapter({
  restUrl: config.flinkRestUrl,
  sqlGatewayUrl: config.sqlGatewayUrl,
  // Flink messages may quote the submitted SQL, which holds resolved secrets.
  redact: (message) => scrub(message, secretValues),
});
const kafka = new KafkaGateway({
  brokers: config.kafkaBrokers,
  taskTopic: config.enrichmentTaskTopic,
  themesTotalTopic: config.themesTotalTopic,
  themesWindowedTopic: config.themesWindowedTopic,
});
const app = Fastify(fastifyOptions(config));
await app.register(sluiceApp, { config, flink, compiler: sluiceCompiler, tasks: kafka, themes: kafka });

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    app
      .close()
      .then(() => Promise.all([flink.close(), kafka.close()]))
      .then(() => process.exit(0))
      .catch((error) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.error({ err: error }, "could not listen");
  process.exit(1);
}
