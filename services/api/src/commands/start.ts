import { ApiError } from "../errors.ts";
import type { RestoreRequest } from "../lifecycle/operations.ts";
import { assertSecretsConfigured } from "../lifecycle/secrets.ts";
import type { JobStore } from "../store/store.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { refuseIfBusy, requireJob, runActive } from "./guards.ts";

/**
 * Starts (resumes) a job: from the latest savepoint (`"latest"`), with empty state (`"none"`),
 * or from a savepoint path Sluice recorded. A submission in progress is answered as accepted;
 * a job already running in Flink only has its desired state set.
 */
export async function startJob(ctx: CommandContext, name: string, from: string): Promise<CommandResult> {
  const { store } = ctx;
  const job = requireJob(store, name);
  if (store.activeOperation(name)?.kind === "submit") return { name, accepted: true };
  refuseIfBusy(store, name);
  const restore = restoreFrom(store, name, from);
  const observation = await ctx.observation();
  if (runActive(store, name, observation)) {
    if (job.desiredState !== "RUNNING") store.updateJob(name, { desiredState: "RUNNING" }, ctx.now());
    return { name, accepted: false, observation };
  }
  const version = store.getVersion(name, job.currentVersion);
  if (version) assertSecretsConfigured(ctx.secrets, version.compiled);
  const at = ctx.now();
  store.transaction(() => {
    store.updateJob(name, { desiredState: "RUNNING", restartAttempts: 0, nextRestartAt: null }, at);
    store.addOperation(name, "submit", { version: job.currentVersion, restore, reason: "start" }, at);
    store.addEvent(name, "start-requested", `start requested (from ${from})`, null, at);
  });
  ctx.wake();
  return { name, accepted: true, observation };
}

function restoreFrom(store: JobStore, name: string, from: string): RestoreRequest {
  if (from === "latest") return { mode: "latest" };
  if (from === "none") return { mode: "none" };
  if (!store.findSavepoint(name, from)) {
    throw new ApiError("UNKNOWN_SAVEPOINT", `Sluice has no record of savepoint "${from}" for job "${name}"`, {
      problems: [
        { path: "body.from", code: "unknown_savepoint", message: "not a savepoint Sluice recorded" },
      ],
    });
  }
  return { mode: "path", path: from };
}
