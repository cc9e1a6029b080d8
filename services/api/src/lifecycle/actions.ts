import { TERMINAL_FLINK_STATES } from "../flink/port.ts";
import type { JobRecord } from "../store/store.ts";
import type { Action } from "./compare.ts";
import type { LifecycleContext, Observation } from "./context.ts";
import { recentExceptions } from "./exceptions.ts";
import { Listing, type OperationRunner, type SubmitParams, type UpgradeParams } from "./operations.ts";

/** What the reconciler's actions act with. */
export interface Actors {
  ctx: LifecycleContext;
  runner: OperationRunner;
  /** Duplicate Flink jobs per Sluice job, as last reported. */
  duplicates: Map<string, { keep: string; others: string[] }>;
  /** `true` the first time a key is reported (warnings are logged once). */
  reportOnce: (key: string) => boolean;
}

/** Executes one action that `compare()` decided for a job. */
export async function act(actors: Actors, job: JobRecord, action: Action, obs: Observation): Promise<void> {
  const { store, now, log } = actors.ctx;
  switch (action.kind) {
    case "advance-operation": {
      const op = store.getOperation(action.operationId);
      if (op) await actors.runner.advance(op, Listing.seen(obs));
      return;
    }
    case "adopt":
      store.transaction(() => {
        store.recordRun({
          flinkJobId: action.flinkJobId,
          jobName: job.name,
          version: action.version,
          restoredFrom: null,
          operationId: null,
          submittedAt: obs.jobs.find((j) => j.id === action.flinkJobId)?.startTime ?? now(),
        });
        store.addEvent(
          job.name,
          "adopted",
          `re-attached to running Flink job ${action.flinkJobId}`,
          {
            flinkJobId: action.flinkJobId,
          },
          now(),
        );
      });
      return;
    case "note-run-state": {
      store.setRunSeenState(action.flinkJobId, action.to);
      const ended = action.to === "MISSING" || TERMINAL_FLINK_STATES.has(action.to);
      const outside = ended && job.desiredState === "RUNNING" && !store.activeOperation(job.name);
      let message = `Flink job ${action.flinkJobId} is ${action.to}`;
      let exceptions: string[] = [];
      if (outside) {
        exceptions = await recentExceptions(actors.ctx, job, action.flinkJobId);
        message += `, outside Sluice${exceptions.length > 0 ? `: ${exceptions[0]}` : ""}`;
        log.warn({ job: job.name, flinkJobId: action.flinkJobId, state: action.to }, message);
      }
      store.addEvent(
        job.name,
        outside ? "flink-job-ended" : "flink-state",
        message,
        {
          flinkJobId: action.flinkJobId,
          from: action.from,
          to: action.to,
          ...(exceptions.length > 0 ? { exceptions } : {}),
        },
        now(),
      );
      return;
    }
    case "report-duplicates": {
      actors.duplicates.set(job.name, { keep: action.keep, others: action.others });
      if (actors.reportOnce(`dup:${job.name}:${action.others.join(",")}`)) {
        log.warn(
          { job: job.name, keep: action.keep, others: action.others },
          "duplicate Flink jobs for one Sluice job",
        );
        store.addEvent(
          job.name,
          "duplicates",
          `several Flink jobs run this job: keeping ${action.keep}, not touching ${action.others.join(", ")}`,
          { keep: action.keep, others: action.others },
          now(),
        );
      }
      return;
    }
    case "schedule-restart":
      store.transaction(() => {
        store.updateJob(job.name, { nextRestartAt: action.at }, now());
        store.addEvent(
          job.name,
          "restart-scheduled",
          `automatic restart ${action.attempt}/${actors.ctx.config.restartLimit} in ${Math.round((action.at - now()) / 1000)} s`,
          { at: action.at, attempt: action.attempt },
          now(),
        );
      });
      return;
    case "restart": {
      const failedRun = store.latestRun(job.name);
      store.transaction(() => {
        if (store.activeOperation(job.name)) return; // a user operation got there first
        const params: SubmitParams = {
          version: job.currentVersion,
          restore: failedRun ? { mode: "auto", failedJobId: failedRun.flinkJobId } : { mode: "latest" },
          reason: "restart",
        };
        store.addOperation(job.name, "submit", params, now());
        store.updateJob(job.name, { restartAttempts: action.attempt, nextRestartAt: null }, now());
        store.addEvent(
          job.name,
          "restarting",
          `automatic restart ${action.attempt}/${actors.ctx.config.restartLimit}`,
          {
            attempt: action.attempt,
          },
          now(),
        );
      });
      return;
    }
    case "give-up":
      store.addEvent(
        job.name,
        "restart-limit",
        `job failed and the restart limit (${action.attempts}) is reached; start it by hand`,
        null,
        now(),
      );
      return;
    case "apply-version":
      store.transaction(() => {
        store.setRunVersion(action.flinkJobId, action.toVersion);
        store.addEvent(
          job.name,
          "version-applied",
          `v${action.toVersion} applied to the running Flink job ${action.flinkJobId} without restarting it (changed: ${action.changed.join(", ") || "nothing"})`,
          { flinkJobId: action.flinkJobId, fromVersion: action.fromVersion, toVersion: action.toVersion },
          now(),
        );
      });
      return;
    case "upgrade":
      store.transaction(() => {
        if (store.activeOperation(job.name)) return; // a user operation got there first
        const { fromVersion, toVersion } = action;
        const params: UpgradeParams = { fromVersion, toVersion, stateless: false };
        store.addOperation(job.name, "upgrade", params, now());
        store.addEvent(
          job.name,
          "upgrading",
          `upgrading from v${fromVersion} to v${toVersion}`,
          params,
          now(),
        );
      });
      return;
    default: {
      const never: never = action;
      log.error({ action: never }, "unknown reconcile action");
    }
  }
}
