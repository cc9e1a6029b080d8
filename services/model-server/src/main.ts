/**
 * CLI: `node services/model-server/src/main.ts`, configured by MODEL_SERVER_* environment
 * variables (see config.ts and the README). Stops gracefully on SIGINT and SIGTERM
 * (close-with-grace: a second signal, or 10 s, ends it at once).
 */
import closeWithGrace from "close-with-grace";
import { optionsFromEnv } from "./config.ts";
import { startModelServer } from "./server.ts";

let options: ReturnType<typeof optionsFromEnv>;
try {
  options = optionsFromEnv(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const server = await startModelServer(options);
const f = options.faults ?? {};
process.stderr.write(
  `model-server: latency ${options.latencyMs} ms (+${options.latencyJitterMs} jitter), ` +
    `rpm ${options.rpm || "unlimited"}, tpm ${options.tpm || "unlimited"}, faults ${JSON.stringify(f)}, ` +
    `seed ${options.seed}, api key ${options.apiKey ? "required" : "not required"}\n`,
);

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) process.stderr.write(`model-server: closing after an error: ${String(err)}\n`);
  else process.stderr.write(`model-server: ${signal} received, closing\n`);
  await server.close();
});
