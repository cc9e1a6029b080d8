/**
 * CLI: `node services/model-server/src/main.ts`, configured by MODEL_SERVER_* environment
 * variables (see config.ts and the README). Stops gracefully on SIGINT and SIGTERM.
 */
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

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`model-server: ${signal} received, closing\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
