import { ApiError } from "../errors.ts";
import { assertSecretsConfigured } from "../lifecycle/secrets.ts";
import { classifySpecChange, type SpecChange } from "../lifecycle/spec-change.ts";
import type { StatePrediction } from "../lifecycle/state-compat/index.ts";
import type { CommandContext, CommandResult } from "./context.ts";
import { refuseIfBusy, requireJob } from "./guards.ts";
import { compileSpec, specHash } from "./spec.ts";
import { enforceVerdict, planUpgrade } from "./state-check.ts";

/**
 * Records a new version of a job's spec. What applying it takes is the lifecycle's call
 * ({@link classifySpecChange}): the same spec is a no-op; a change of descriptions or flow
 * thresholds only is recorded and the running Flink job carries on; a change of the SQL of a running job records an
 * `upgrade` operation (stop with a savepoint, start the new version from it, or without state
 * when `stateless`). A stopped job starts with the new version when it is started.
 *
 * Before a savepoint upgrade of a running job, the state check ({@link planUpgrade}) predicts
 * what Flink will do with the state: `incompatible` is refused (409) unless `stateless`,
 * `compatible-with-state-loss` needs `allowStateLoss`; the verdict goes into the job's events.
 */
export async function updateJob(
  ctx: CommandContext,
  name: string,
  body: unknown,
  options: { stateless: boolean; allowStateLoss?: boolean | undefined },
): Promise<CommandResult> {
  const { store } = ctx;
  const check = await stateCheck(ctx, name, body, options);
  const job = requireJob(store, name);
  // Compiled as the version it will be recorded as (nothing awaits before the transaction below).
  const { spec, compiled } = compileSpec(ctx.compiler, body, store.nextVersion(name));
  if (spec.name !== name) {
    throw new ApiError("NAME_MISMATCH", `The spec is named "${spec.name}" but the URL names "${name}"`);
  }
  const current = store.getVersion(name, job.currentVersion);
  const change: SpecChange = current
    ? classifySpecChange(current.spec, spec, options)
    : { kind: options.stateless ? "stateless-restart" : "savepoint-upgrade", changed: [] };
  if (change.kind === "ignore") return { name, accepted: false };
  refuseIfBusy(store, name);
  assertSecretsConfigured(ctx.secrets, compiled);
  const at = ctx.now();
  const fromVersion = job.currentVersion;
  const upgrading = job.desiredState === "RUNNING" && change.kind !== "metadata";
  store.transaction(() => {
    const { version } = store.addVersion(name, spec, specHash(spec), compiled, at);
    if (change.kind === "metadata") store.updateJob(name, { currentVersion: version }, at);
    else store.updateJob(name, { currentVersion: version, restartAttempts: 0, nextRestartAt: null }, at);
    if (upgrading) {
      const stateless = change.kind === "stateless-restart";
      const allowStateLoss = check?.verdict === "compatible-with-state-loss" && !stateless;
      store.addOperation(name, "upgrade", { fromVersion, toVersion: version, stateless, allowStateLoss }, at);
    }
    if (check && upgrading && change.kind === "savepoint-upgrade") {
      store.addEvent(
        name,
        "state-check",
        `state check of v${version} from v${fromVersion}: ${check.verdict}: ${check.summary}`,
        { version, fromVersion, ...check },
        at,
      );
    }
    store.addEvent(
      name,
      "version-added",
      versionMessage(version, fromVersion, change, upgrading),
      {
        version,
        fromVersion,
        changed: change.changed,
      },
      at,
    );
  });
  ctx.wake();
  return { name, accepted: upgrading };
}

/** The verdict for a savepoint upgrade of a running job, enforced; `undefined` when none is needed. */
async function stateCheck(
  ctx: CommandContext,
  name: string,
  body: unknown,
  options: { stateless: boolean; allowStateLoss?: boolean | undefined },
): Promise<StatePrediction | undefined> {
  const job = ctx.store.getJob(name);
  if (job?.desiredState !== "RUNNING" || options.stateless) return undefined;
  const plan = await planUpgrade(ctx, name, body, options);
  enforceVerdict(plan.stateCompatibility, { allowStateLoss: options.allowStateLoss === true });
  return plan.stateCompatibility ?? undefined;
}

function versionMessage(
  version: number,
  fromVersion: number,
  change: SpecChange,
  upgrading: boolean,
): string {
  if (upgrading) {
    const stateless = change.kind === "stateless-restart" ? " without state" : "";
    return `version ${version} accepted; upgrading from v${fromVersion}${stateless}`;
  }
  if (change.kind === "metadata") {
    return `version ${version} recorded (${change.changed.join(", ")}: nothing the Flink job runs changed)`;
  }
  return `version ${version} recorded; the job is stopped and will start with it`;
}
