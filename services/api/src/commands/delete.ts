import type { CommandContext, CommandResult } from "./context.ts";
import { refuseIfBusy, requireJob } from "./guards.ts";

/** Deletes a job: stops it (with a savepoint unless `cancel`), then the reconciler forgets it. */
export async function deleteJob(
  ctx: CommandContext,
  name: string,
  mode: "savepoint" | "cancel",
): Promise<CommandResult> {
  const { store } = ctx;
  requireJob(store, name);
  if (store.activeOperation(name)?.kind === "delete") return { name, accepted: true };
  refuseIfBusy(store, name);
  const at = ctx.now();
  store.transaction(() => {
    store.updateJob(name, { desiredState: "STOPPED" }, at);
    store.addOperation(name, "delete", { mode, drain: false }, at);
    store.addEvent(name, "delete-requested", `delete requested (${mode})`, null, at);
  });
  ctx.wake();
  return { name, accepted: true };
}
