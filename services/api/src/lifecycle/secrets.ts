import type { CompiledJobLike } from "../compiler/port.ts";
import { ApiError } from "../errors.ts";
import type { LifecycleContext } from "./context.ts";

/** The environment variable that holds secret `name`: `SLUICE_SECRET_<NAME>` by default. */
export function secretVariable(prefix: string, name: string): string {
  return `${prefix}${name}`;
}

/** Names of the secrets a compiled job needs that the environment does not provide. */
export function missingSecrets(
  ctx: Pick<LifecycleContext, "env" | "config">,
  compiled: CompiledJobLike,
): string[] {
  return compiled.secretNames.filter((name) => {
    const value = ctx.env[secretVariable(ctx.config.secretEnvPrefix, name)];
    return value === undefined || value === "";
  });
}

export function assertSecretsConfigured(
  ctx: Pick<LifecycleContext, "env" | "config">,
  compiled: CompiledJobLike,
): void {
  const missing = missingSecrets(ctx, compiled);
  if (missing.length > 0) {
    throw new ApiError(
      "SECRET_NOT_CONFIGURED",
      `The job references secrets that are not configured: ${missing
        .map((n) => `${n} (environment variable ${secretVariable(ctx.config.secretEnvPrefix, n)})`)
        .join(", ")}`,
    );
  }
}

/** The secret values of a job, to mask them in anything Flink sends back (error messages echo SQL). */
export function secretValues(
  ctx: Pick<LifecycleContext, "env" | "config">,
  compiled: CompiledJobLike,
): string[] {
  return compiled.secretNames
    .map((name) => ctx.env[secretVariable(ctx.config.secretEnvPrefix, name)])
    .filter((v): v is string => v !== undefined && v.length >= 4);
}

/** Replaces each secret value in `text` with `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}
