import { ApiError } from "../errors.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { refuseIfBusy, requireJob, runState } from "./guards.ts";

/** Triggers a savepoint of a running job (it keeps running); the savepoint is recorded when taken. */
export async function triggerSavepoint(ctx: CommandContext, name: string): Promise<CommandResult> {
  const { store } = ctx;
  requireJob(store, name);
  refuseIfBusy(store, name);
  const observation = await ctx.observation();
  if (!observation.reachable) {
    throw new ApiError("FLINK_UNREACHABLE", `Flink did not answer: ${observation.error}`, {
      extra: { tried: observation.urls },
    });
  }
  const state = runState(store, name, observation);
  if (state !== "RUNNING") {
    throw new ApiError("JOB_NOT_RUNNING", `Job "${name}" is not running (Flink state: ${state ?? "none"})`);
  }
  const at = ctx.now();
  store.transaction(() => {
    store.addOperation(name, "savepoint", {}, at);
    store.addEvent(name, "savepoint-requested", "savepoint requested", null, at);
  });
  ctx.wake();
  return { name, accepted: true, observation };
}
