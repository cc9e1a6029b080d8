/**
 * The enricher's command line: `node services/enricher/src/main.ts`, configured by the
 * environment (see config.ts). SIGINT/SIGTERM stop it gracefully (close-with-grace: a
 * second signal, or 30 s, ends it at once): the chunk in hand is committed or
 * abandoned uncommitted, and nothing is lost either way.
 */
import closeWithGrace from "close-with-grace";
import { configFromEnv } from "./config.ts";
import { startEnricher } from "./enricher.ts";
import { ConfigError } from "./errors.ts";
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

closeWithGrace(
  { delay: 30_000, logger: { error: (message) => logger.log("error", String(message)) } },
  async ({ signal, err }) => {
    if (err) logger.log("error", "stopping after an error", { error: String(err) });
    else logger.log("info", "stopping", { signal });
    await enricher.stop();
  },
);
