import { ApiError } from "../errors.ts";
import { assertSecretsConfigured } from "../lifecycle/secrets.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { compileSpec, specHash } from "./spec.ts";

/**
 * Creates a job as version 1 and records its first submission. The same name with the same spec
 * again is a no-op (idempotent POST); another spec under an existing name is JOB_EXISTS (use PUT).
 *
 * @example
 * ```ts
 * await createJob(ctx, spec); // => { name: "orders", accepted: true }: submitting
 * await createJob(ctx, spec); // => { name: "orders", accepted: false }: already there
 * ```
 */
export async function createJob(ctx: CommandContext, body: unknown): Promise<CommandResult> {
  const { store } = ctx;
  const { spec, compiled } = compileSpec(ctx.compiler, body, 1);
  const hash = specHash(spec);
  const existing = store.getJob(spec.name);
  if (existing) {
    if (store.getVersion(spec.name, existing.currentVersion)?.specHash === hash) {
      return { name: spec.name, accepted: false };
    }
    throw new ApiError(
      "JOB_EXISTS",
      `Job "${spec.name}" exists (version ${existing.currentVersion}) with another spec; use PUT /v1/jobs/${spec.name} to upgrade it`,
    );
  }
  assertSecretsConfigured(ctx.secrets, compiled);
  const at = ctx.now();
  store.transaction(() => {
    store.createJob({ name: spec.name, spec, specHash: hash, compiled, desiredState: "RUNNING" }, at);
    store.addOperation(spec.name, "submit", { version: 1, restore: { mode: "none" }, reason: "create" }, at);
    store.addEvent(spec.name, "created", "job created (version 1)", { version: 1 }, at);
  });
  ctx.wake();
  return { name: spec.name, accepted: true };
}
