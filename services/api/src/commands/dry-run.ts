import { PERFORMANCE_DEFAULTS } from "@sluice/flink-jobs";
import type { z } from "zod";
import { pipelineName } from "../flink/port.ts";
import { scrub, secretValues, secretVariable } from "../lifecycle/secrets.ts";
import type { dryRunSchema } from "../schemas.ts";
import type { CommandContext } from "./context.ts";
import { compileSpec } from "./spec.ts";

export type DryRun = z.output<typeof dryRunSchema>;

/**
 * Compiles a spec as version 1 and asks Flink to EXPLAIN it, storing nothing. Secrets are
 * resolved when every one is configured (else Flink sees the placeholders); the answer shows
 * them redacted, and secret values are masked in anything Flink sends back.
 */
export async function dryRunJob(ctx: CommandContext, body: unknown): Promise<DryRun> {
  const { spec, compiled } = compileSpec(ctx.compiler, body, 1);
  const { env, config } = ctx.secrets;
  const lookup = (name: string) => env[secretVariable(config.secretEnvPrefix, name)];
  const secrets = secretValues(ctx.secrets, compiled);
  const resolvable = compiled.secretNames.every((name) => lookup(name) !== undefined);
  const statements = compiled.statements.map((s) => ({
    kind: s.kind,
    sql: resolvable ? ctx.compiler.resolveSecrets(s.sql, lookup) : s.sql,
  }));
  let plan: string;
  try {
    plan = await ctx.flink.explain({
      settings: { ...PERFORMANCE_DEFAULTS, "pipeline.name": pipelineName(spec.name, 0) },
      statements,
    });
  } catch (error) {
    if (error instanceof Error) error.message = scrub(error.message, secrets);
    throw error;
  }
  return {
    dryRun: true,
    name: spec.name,
    sql: compiled.statements.map((s) => ({ kind: s.kind, sql: ctx.compiler.redactSecrets(s.sql) })),
    plan: scrub(plan, secrets),
    secretNames: compiled.secretNames,
  };
}
