import type { z } from "zod";
import type { CompiledJobLike } from "../compiler/port.ts";
import { ApiError } from "../errors.ts";
import { type FlinkPort, pipelineName } from "../flink/port.ts";
import { scrub, secretValues, secretVariable } from "../lifecycle/secrets.ts";
import { classifySpecChange } from "../lifecycle/spec-change.ts";
import { ExplainCache, predictUpgrade, type StatePrediction } from "../lifecycle/state-compat/index.ts";
import type { upgradePlanSchema } from "../state-check-schemas.ts";
import type { CommandContext } from "./context.ts";
import { requireJob } from "./guards.ts";
import { compileSpec } from "./spec.ts";

export type UpgradePlan = z.output<typeof upgradePlanSchema>;

/** One cache per Flink: the deployed version's graph is planned once, not on every check. */
const caches = new WeakMap<FlinkPort, ExplainCache>();

/**
 * What upgrading `name` to the spec in `body` would do, without storing or stopping anything:
 * the kind of change, and for a savepoint upgrade the state-compatibility verdict, from the
 * stream graphs Flink's planner makes of the current and the new version (EXPLAIN only).
 */
export async function planUpgrade(
  ctx: CommandContext,
  name: string,
  body: unknown,
  options: { stateless: boolean },
): Promise<UpgradePlan> {
  const { store } = ctx;
  const job = requireJob(store, name);
  const { spec, compiled } = compileSpec(ctx.compiler, body, store.nextVersion(name));
  if (spec.name !== name) {
    throw new ApiError("NAME_MISMATCH", `The spec is named "${spec.name}" but the URL names "${name}"`);
  }
  const current = store.getVersion(name, job.currentVersion);
  const change = current
    ? classifySpecChange(current.spec, spec, options)
    : {
        kind: options.stateless ? ("stateless-restart" as const) : ("savepoint-upgrade" as const),
        changed: [],
      };
  const plan = { name, fromVersion: job.currentVersion, change: change.kind, changed: change.changed };
  if (!current || change.kind !== "savepoint-upgrade") return { ...plan, stateCompatibility: null };
  const explain = (version: "previous" | "next") =>
    explainGraph(ctx, name, version === "previous" ? current.compiled : compiled);
  return { ...plan, stateCompatibility: await predictUpgrade(explain, ctx.now) };
}

async function explainGraph(ctx: CommandContext, name: string, compiled: CompiledJobLike): Promise<string> {
  const { env, config } = ctx.secrets;
  const lookup = (secret: string) => env[secretVariable(config.secretEnvPrefix, secret)];
  const resolvable = compiled.secretNames.every((secret) => lookup(secret) !== undefined);
  const statements = compiled.statements.map((s) => ({
    kind: s.kind,
    sql: resolvable ? ctx.compiler.resolveSecrets(s.sql, lookup) : s.sql,
  }));
  let cache = caches.get(ctx.flink);
  if (!cache) {
    cache = new ExplainCache();
    caches.set(ctx.flink, cache);
  }
  const key = JSON.stringify([resolvable, compiled.statements.map((s) => s.sql)]);
  try {
    return await cache.get(key, () =>
      ctx.flink.explain(
        { settings: { "pipeline.name": pipelineName(name, 0) }, statements },
        { details: ["JSON_EXECUTION_PLAN"] },
      ),
    );
  } catch (error) {
    throw new Error(
      scrub(error instanceof Error ? error.message : String(error), secretValues(ctx.secrets, compiled)),
    );
  }
}

/**
 * PUT's rule: an `incompatible` upgrade is refused unless it starts empty (`stateless`), one that
 * drops state needs `allowStateLoss`. `unknown` goes ahead: a failed restore rolls back.
 */
export function enforceVerdict(
  prediction: StatePrediction | null,
  options: { allowStateLoss: boolean },
): void {
  if (!prediction) return;
  const reasons = prediction.operators
    .filter((o) => o.fate === "cannot-be-restored" || o.fate === "dropped")
    .map((o) => `${o.operator}: ${o.reason}`);
  const extra = { stateCompatibility: prediction };
  if (prediction.verdict === "incompatible") {
    throw new ApiError("STATE_INCOMPATIBLE", `${prediction.summary}. ${reasons.join("; ")}`, { extra });
  }
  if (prediction.verdict === "compatible-with-state-loss" && !options.allowStateLoss) {
    throw new ApiError("STATE_LOSS_NOT_ALLOWED", `${prediction.summary}. ${reasons.join("; ")}`, { extra });
  }
}
