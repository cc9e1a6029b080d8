import { ApiError } from "../../errors.ts";
import { FlinkError } from "../../flink/port.ts";
import type { LifecycleContext, Observation } from "../context.ts";
import { scrub, secretValues } from "../secrets.ts";

/** What one step of an operation came to: wait for the next pass, or finished either way. */
export type Step = { kind: "wait" } | { kind: "done" } | { kind: "failed"; message: string };
export const WAIT: Step = { kind: "wait" };
export const DONE: Step = { kind: "done" };
export const failed = (message: string): Step => ({ kind: "failed", message });

/**
 * The listing of Flink jobs a pass acts on, read once: `read()` gives it (`undefined` when Flink
 * is unreachable), `arrived()` says whether it is already known. A first submission goes ahead
 * while the listing is still being read (see `OperationRunner.isFirstSubmission`); every other
 * step waits for it.
 *
 * @example
 * ```ts
 * const listing = Listing.pending(flink.listJobs().then((jobs) => ({ at, jobs })));
 * await runner.advance(op, listing);
 * ```
 */
export class Listing {
  private known: { observation: Observation | undefined } | undefined;
  private readonly pendingRead: Promise<Observation | undefined>;

  private constructor(pendingRead: Promise<Observation | undefined>, known?: Observation) {
    this.pendingRead = pendingRead;
    if (known) this.known = { observation: known };
    else
      void pendingRead.then(
        (observation) => {
          this.known = { observation };
        },
        () => undefined,
      );
  }

  /** A listing already read. */
  static seen(observation: Observation): Listing {
    return new Listing(Promise.resolve(observation), observation);
  }

  /** A listing still being read. */
  static pending(read: Promise<Observation | undefined>): Listing {
    return new Listing(read);
  }

  read(): Promise<Observation | undefined> {
    return this.pendingRead;
  }

  /** The listing if it has arrived (`{ observation: undefined }`: Flink was unreachable). */
  arrived(): { observation: Observation | undefined } | undefined {
    return this.known;
  }
}

/**
 * What every step of one operation works with: the lifecycle context, which operation of which
 * job, how to save its progress, and the pass's listing of Flink jobs.
 */
export interface OperationScope {
  ctx: LifecycleContext;
  jobName: string;
  operationId: number;
  /** Writes the operation's progress (mutated in place by the steps) to the store. */
  save: () => void;
  listing: Listing;
  /** Told the Flink job id of every submission or adoption, to watch it start. */
  onSubmitted?: ((flinkJobId: string) => void) | undefined;
}

/** Transient failures (Flink or Kafka unavailable): the step is retried on the next pass. */
export function isRetryable(error: unknown): boolean {
  return (error instanceof FlinkError || error instanceof ApiError) && error.retryable;
}

/** An error's message with the job's secret values masked (Flink echoes SQL in its errors). */
export function errorMessage(ctx: LifecycleContext, jobName: string, error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const job = ctx.store.getJob(jobName);
  const version = job ? ctx.store.getVersion(jobName, job.currentVersion) : undefined;
  return version ? scrub(raw, secretValues(ctx, version.compiled)) : raw;
}

/**
 * Runs a step and turns a definitive error into a failed step, so that the operation can
 * react (an upgrade rolls back) instead of failing as a whole. Transient errors propagate:
 * the step is retried on the next pass.
 */
export async function attempt(scope: OperationScope, step: () => Promise<Step>): Promise<Step> {
  try {
    return await step();
  } catch (error) {
    if (isRetryable(error)) throw error;
    return failed(errorMessage(scope.ctx, scope.jobName, error));
  }
}

/** The listing of a step that needs it (every step but a first submission's). */
export async function observed(scope: OperationScope): Promise<Observation> {
  const observation = await scope.listing.read();
  if (!observation) throw new Error(`operation ${scope.operationId}: Flink's job listing is unavailable`);
  return observation;
}
