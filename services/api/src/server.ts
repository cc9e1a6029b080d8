import closeWithGrace from "close-with-grace";
import Fastify from "fastify";
import { fastifyOptions, sluiceApp } from "./app.ts";
import { sluiceCompiler } from "./compiler/sluice-compiler.ts";
import { type ApiConfig, loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { FlinkClientAdapter } from "./flink/adapter.ts";
import { KafkaGateway } from "./kafka.ts";
import { scrub } from "./lifecycle/secrets.ts";
import { PostgresThemeCounts } from "./themes-postgres.ts";

/**
 * The server: reads the configuration (exit 1 with one line per bad variable), builds the app,
 * listens, and shuts down gracefully on SIGINT/SIGTERM (the reconciler finishes its pass, the
 * store is closed; exit 0, or 1 after 15 s). Run with `node services/api/src/server.ts`.
 */
let config: ApiConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
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
// Trending themes from PostgreSQL when SLUICE_THEMES_DATABASE_URL is set, else from the upsert topics.
const themesDb = config.themesDatabaseUrl ? new PostgresThemeCounts(config.themesDatabaseUrl) : undefined;
await app.register(sluiceApp, {
  config,
  flink,
  compiler: sluiceCompiler,
  tasks: kafka,
  themes: themesDb ?? kafka,
});

closeWithGrace(
  { delay: 15_000, logger: { error: (message: unknown) => app.log.error(message) } },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, "shutting down after an uncaught error");
    else app.log.info({ signal }, "shutting down");
    await app.close();
    await Promise.all([flink.close(), kafka.close(), themesDb?.close()]);
  },
);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.error({ err: error }, "could not listen");
  process.exit(1);
}
