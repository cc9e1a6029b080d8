/**
 * The enricher's command line: `node services/enricher/src/main.ts`, configured by the
 * environment (see config.ts). SIGINT/SIGTERM stop it gracefully: the chunk in hand is
 * committed or abandoned uncommitted, and nothing is lost either way.
 */
import { ConfigError, configFromEnv } from "./config.ts";
import { startEnricher } from "./enricher.ts";
import { jsonLogger } from "./log.ts";

let config: ReturnType<typeof configFromEnv>;
try {
  config = configFromEnv(process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
const logger = jsonLogger(config.logLevel);
const enricher = await startEnricher(config, { logger }).catch((error: unknown) => {
  logger.log("error", "enricher failed to start", { error: String(error) });
  process.exit(1);
});
logger.log("info", "enricher started", { http: enricher.url, tasks: enricher.tasks() });

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "stopping", { signal });
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    enricher.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.log("error", "error while stopping", { error: String(error) });
        process.exit(1);
      },
    );
  });
}
