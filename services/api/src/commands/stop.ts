import type { StopParams } from "../lifecycle/operations.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { refuseIfBusy, requireJob, runActive } from "./guards.ts";

/**
 * Stops a job: records `desiredState: STOPPED` and a `stop` operation (stop-with-savepoint, or
 * cancel when asked). A stop in progress is answered as accepted; a job that is stopped and not
 * running in Flink needs nothing.
 */
export async function stopJob(ctx: CommandContext, name: string, params: StopParams): Promise<CommandResult> {
  const { store } = ctx;
  const job = requireJob(store, name);
  if (store.activeOperation(name)?.kind === "stop") return { name, accepted: true };
  refuseIfBusy(store, name);
  const observation = await ctx.observation();
  if (job.desiredState === "STOPPED" && observation.reachable && !runActive(store, name, observation)) {
    return { name, accepted: false, observation };
  }
  const at = ctx.now();
  store.transaction(() => {
    store.updateJob(name, { desiredState: "STOPPED", restartAttempts: 0, nextRestartAt: null }, at);
    store.addOperation(name, "stop", { mode: params.mode, drain: params.drain }, at);
    const how = `${params.mode}${params.drain ? ", drain" : ""}`;
    store.addEvent(name, "stop-requested", `stop requested (${how})`, null, at);
  });
  ctx.wake();
  return { name, accepted: true, observation };
}
