import { z } from "zod";
import { ModelServerError } from "./errors.ts";
import { faultRatesSchema } from "./faults.ts";
import type { ModelServerOptions } from "./server.ts";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const rate = z.coerce.number().min(0).max(1);

/** The environment variables of the CLI, with their defaults. */
const envSchema = z.object({
  MODEL_SERVER_PORT: int(0, 65_535).default(8090),
  MODEL_SERVER_HOST: z.string().min(1).default("127.0.0.1"),
  MODEL_SERVER_LATENCY_MS: int(0).default(0),
  MODEL_SERVER_LATENCY_JITTER_MS: int(0).default(0),
  MODEL_SERVER_RPM: int(0).default(0),
  MODEL_SERVER_TPM: int(0).default(0),
  MODEL_SERVER_FAULT_RATE_5XX: rate.default(0),
  MODEL_SERVER_FAULT_RATE_TIMEOUT: rate.default(0),
  MODEL_SERVER_FAULT_RATE_INVALID_JSON: rate.default(0),
  MODEL_SERVER_FAULT_RATE_WRONG_IDS: rate.default(0),
  MODEL_SERVER_FAULT_RATE_TRUNCATED: rate.default(0),
  MODEL_SERVER_FAULT_TIMEOUT_MS: int(1).default(120_000),
  MODEL_SERVER_API_KEY: z.string().min(1).optional(),
  MODEL_SERVER_SEED: int(0, 2 ** 32 - 1).default(42),
});

/**
 * Read the server options from environment variables; empty values count as unset.
 * Throws an Error that names every bad variable (never echoing the API key).
 *
 * @example
 * optionsFromEnv({ MODEL_SERVER_RPM: "600", MODEL_SERVER_LATENCY_MS: "400" })
 * // => { port: 8090, rpm: 600, latencyMs: 400, ... }
 */
export function optionsFromEnv(env: Record<string, string | undefined>): ModelServerOptions {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => k.startsWith("MODEL_SERVER_") && v !== undefined && v.trim() !== "",
    ),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = name === "MODEL_SERVER_API_KEY" ? "" : ` (got ${JSON.stringify(relevant[name])})`;
      return `  ${name}: ${i.message}${shown}`;
    });
    throw new ModelServerError(
      "config_invalid",
      `invalid model-server configuration:\n${problems.join("\n")}`,
    );
  }
  const e = parsed.data;
  const faults = faultRatesSchema.safeParse({
    "5xx": e.MODEL_SERVER_FAULT_RATE_5XX,
    timeout: e.MODEL_SERVER_FAULT_RATE_TIMEOUT,
    invalid_json: e.MODEL_SERVER_FAULT_RATE_INVALID_JSON,
    wrong_ids: e.MODEL_SERVER_FAULT_RATE_WRONG_IDS,
    truncated: e.MODEL_SERVER_FAULT_RATE_TRUNCATED,
  });
  if (!faults.success) {
    throw new ModelServerError(
      "config_invalid",
      "invalid model-server configuration:\n  MODEL_SERVER_FAULT_RATE_*: the rates must add up to at most 1",
    );
  }
  return {
    port: e.MODEL_SERVER_PORT,
    host: e.MODEL_SERVER_HOST,
    latencyMs: e.MODEL_SERVER_LATENCY_MS,
    latencyJitterMs: e.MODEL_SERVER_LATENCY_JITTER_MS,
    rpm: e.MODEL_SERVER_RPM,
    tpm: e.MODEL_SERVER_TPM,
    faults: faults.data,
    faultTimeoutMs: e.MODEL_SERVER_FAULT_TIMEOUT_MS,
    seed: e.MODEL_SERVER_SEED,
    ...(e.MODEL_SERVER_API_KEY ? { apiKey: e.MODEL_SERVER_API_KEY } : {}),
  };
}
