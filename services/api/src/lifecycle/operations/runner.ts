import { ACTIVE_FLINK_STATES } from "../../flink/port.ts";
import type { OperationRecord } from "../../store/operation-records.ts";
import type { LifecycleContext, Observation } from "../context.ts";
import { savepointStep } from "./savepoints.ts";
import { errorMessage, failed, isRetryable, type Listing, type OperationScope, type Step } from "./step.ts";
import { deleteOperation, stopOperation } from "./stop.ts";
import { submitStep } from "./submit.ts";
import { keepOldVersion, upgradeOperation } from "./upgrade.ts";

/**
 * Recorded operations, advanced one short step per reconcile pass. Each step first writes
 * what it is about to do into the operation's progress, then acts, then writes the result, so
 * that a crash at any point is resumed at restart without acting twice (see `submit.ts`,
 * `stop.ts`, `savepoints.ts`, `upgrade.ts`).
 */
export class OperationRunner {
  readonly ctx: LifecycleContext;
  /** Told the Flink job id of every submission or adoption, to watch it start. */
  onSubmitted: ((flinkJobId: string) => void) | undefined;

  constructor(ctx: LifecycleContext) {
    this.ctx = ctx;
  }

  /**
   * A submit operation that has never called the SQL Gateway (no `startedAt`): the reconciler
   * may advance it before its listing of Flink jobs has arrived, because nothing that starts a
   * job is executed until the listing is checked for a job already carrying the version's
   * pipeline.name (the SQL Gateway session and the DDL start none). Saves the listing's time
   * (~10 ms on a cluster that retains hundreds of finished jobs) on every submission.
   */
  static isFirstSubmission(op: OperationRecord, now: number, timeoutMs: number): boolean {
    return (
      op.kind === "submit" &&
      op.progress.startedAt === undefined &&
      op.progress.flinkJobId === undefined &&
      now - op.createdAt <= timeoutMs
    );
  }

  /**
   * Moves `op` one step forward. Never throws: transient Flink errors leave the step to the next
   * pass. Only a {@link isFirstSubmission} goes ahead before the listing has arrived.
   */
  async advance(op: OperationRecord, listing: Listing): Promise<void> {
    const { store, now } = this.ctx;
    const first = OperationRunner.isFirstSubmission(op, now(), this.ctx.config.operationTimeoutMs);
    const obs = first ? undefined : await listing.read();
    if (!first && obs === undefined) return; // Flink unreachable: nothing to act on
    if (op.status === "pending") store.updateOperation(op.id, { status: "running" }, now());
    const age = now() - op.createdAt;
    if (age > this.ctx.config.operationTimeoutMs) {
      if (obs) this.expire(op, obs, age);
      return;
    }
    const scope: OperationScope = {
      ctx: this.ctx,
      jobName: op.jobName,
      operationId: op.id,
      save: () => store.updateOperation(op.id, { progress: op.progress }, now()),
      listing,
      onSubmitted: (flinkJobId) => this.onSubmitted?.(flinkJobId),
    };
    let step: Step;
    try {
      step = await this.step(scope, op);
    } catch (error) {
      if (isRetryable(error)) {
        this.ctx.log.warn({ operation: op.id }, "operation step deferred: %s", (error as Error).message);
        return;
      }
      step = failed(errorMessage(this.ctx, op.jobName, error));
    }
    if (step.kind !== "wait") this.finish(op, step);
  }

  private step(scope: OperationScope, op: OperationRecord): Promise<Step> {
    switch (op.kind) {
      case "submit":
        return submitStep(scope, { ...op.params, progress: op.progress, verify: false });
      case "stop":
        return stopOperation(scope, op.params, op.progress);
      case "savepoint":
        return savepointStep(scope, op.progress);
      case "upgrade":
        return upgradeOperation(scope, op.params, op.progress);
      case "delete":
        return deleteOperation(scope, op.params, op.progress);
      default: {
        const never: never = op;
        return Promise.resolve(failed(`unknown operation ${JSON.stringify(never)}`));
      }
    }
  }

  private finish(op: OperationRecord, step: Exclude<Step, { kind: "wait" }>): void {
    const { store, now } = this.ctx;
    if (!store.getJob(op.jobName)) return; // deleted by the operation itself
    const done = step.kind === "done";
    store.transaction(() => {
      store.updateOperation(
        op.id,
        done
          ? { status: "succeeded", progress: op.progress }
          : { status: "failed", progress: op.progress, error: step.message },
        now(),
      );
      store.addEvent(
        op.jobName,
        done ? "operation-succeeded" : "operation-failed",
        done ? `${op.kind} succeeded` : `${op.kind} failed: ${step.message}`,
        { operation: op.id, kind: op.kind },
        now(),
      );
    });
  }

  /**
   * Gives up on an operation that has run too long (Flink unreachable for minutes, a job that
   * never reaches the awaited state), so the job is not blocked for good. The desired state
   * follows what Flink shows: a stop whose job still runs leaves the job RUNNING.
   */
  private expire(op: OperationRecord, obs: Observation, age: number): void {
    const { store, now } = this.ctx;
    const run = store.latestRun(op.jobName);
    const state = run ? obs.jobs.find((j) => j.id === run.flinkJobId)?.state : undefined;
    const running = state !== undefined && ACTIVE_FLINK_STATES.has(state);
    const message = `${op.kind} did not finish within ${Math.round(age / 1000)} s; given up (the job is ${state ?? "not running"})`;
    store.transaction(() => {
      if ((op.kind === "stop" || op.kind === "delete") && running) {
        store.updateJob(op.jobName, { desiredState: "RUNNING" }, now());
      }
      // Unless the new version is the one running, the old version stays the current one.
      if (op.kind === "upgrade" && !(running && run?.version === op.params.toVersion)) {
        keepOldVersion({ ctx: this.ctx, jobName: op.jobName }, op.params);
      }
      store.updateOperation(op.id, { status: "failed", error: message }, now());
      store.addEvent(
        op.jobName,
        "operation-failed",
        `${op.kind} failed: ${message}`,
        { operation: op.id },
        now(),
      );
    });
  }
}
