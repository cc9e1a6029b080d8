import type { JobCompiler } from "../compiler/port.ts";
import type { FlinkPort } from "../flink/port.ts";
import type { LifecycleContext } from "../lifecycle/context.ts";
import type { ObservationResult } from "../lifecycle/reconciler.ts";
import type { JobStore } from "../store/store.ts";

/** What the job commands need; built once in `app.ts` from the app's decorators. */
export interface CommandContext {
  store: JobStore;
  compiler: JobCompiler;
  flink: FlinkPort;
  /** Where secrets come from and how their variables are named. */
  secrets: Pick<LifecycleContext, "env" | "config">;
  /** The last observation of Flink if fresh enough, else a new one. */
  observation(): Promise<ObservationResult>;
  /** Asks the reconciler for a pass now: a recorded operation starts without waiting. */
  wake(): void;
  now(): number;
}

/**
 * What a command did to a job: `accepted` when it recorded an operation the reconciler carries
 * out (the route answers 202), else nothing was left to do (200). `observation` is the look at
 * Flink the command decided on, if it took one.
 */
export interface CommandResult {
  name: string;
  accepted: boolean;
  observation?: ObservationResult | undefined;
}
