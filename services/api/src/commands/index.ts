import type { StopParams } from "../lifecycle/operations.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { createJob } from "./create.ts";
import { deleteJob } from "./delete.ts";
import { type DryRun, dryRunJob } from "./dry-run.ts";
import { triggerSavepoint } from "./savepoint.ts";
import { startJob } from "./start.ts";
import { planUpgrade, type UpgradePlan } from "./state-check.ts";
import { stopJob } from "./stop.ts";
import { updateJob } from "./update.ts";

export type { CommandContext, CommandResult } from "./context.ts";
export type { DryRun } from "./dry-run.ts";
export { specHash } from "./spec.ts";
export type { UpgradePlan } from "./state-check.ts";

/**
 * The job commands: the rules behind the mutating routes (validation, compilation, hashing,
 * secrets, transactions). A route parses the request, calls one command and maps its result to
 * HTTP (`accepted` -> 202, else 200). Model: fastify/demo's repositories.
 *
 * @example
 * ```ts
 * const jobs = jobCommands(ctx);
 * const { accepted } = await jobs.create(spec); // true: version 1 is being submitted
 * ```
 */
export interface JobCommands {
  create(body: unknown): Promise<CommandResult>;
  dryRun(body: unknown): Promise<DryRun>;
  update(
    name: string,
    body: unknown,
    options: { stateless: boolean; allowStateLoss?: boolean | undefined },
  ): Promise<CommandResult>;
  /** What an upgrade to `body` would do to the job's state; stores and stops nothing. */
  plan(name: string, body: unknown, options: { stateless: boolean }): Promise<UpgradePlan>;
  stop(name: string, params: StopParams): Promise<CommandResult>;
  start(name: string, from: string): Promise<CommandResult>;
  savepoint(name: string): Promise<CommandResult>;
  delete(name: string, mode: "savepoint" | "cancel"): Promise<CommandResult>;
}

export function jobCommands(ctx: CommandContext): JobCommands {
  return {
    create: (body) => createJob(ctx, body),
    dryRun: (body) => dryRunJob(ctx, body),
    update: (name, body, options) => updateJob(ctx, name, body, options),
    plan: (name, body, options) => planUpgrade(ctx, name, body, options),
    stop: (name, params) => stopJob(ctx, name, params),
    start: (name, from) => startJob(ctx, name, from),
    savepoint: (name) => triggerSavepoint(ctx, name),
    delete: (name, mode) => deleteJob(ctx, name, mode),
  };
}
