import { z } from "zod";

/** Longest window a threshold may span (one day), as the API's `SLUICE_FLOW_*_MS` variables. */
const MAX_WINDOW_MS = 86_400_000;

const windowMs = (what: string) =>
  z
    .int()
    .min(1_000, `${what} is at least 1000 ms`)
    .max(MAX_WINDOW_MS, `${what} is at most ${MAX_WINDOW_MS} ms (one day)`);

/**
 * A job's own thresholds for its flow conditions, each overriding the API's default of the same
 * name (`SLUICE_FLOW_NO_OUTPUT_MS`, `SLUICE_FLOW_MAX_LAG_RECORDS`, `SLUICE_FLOW_CHECKPOINT_MAX_AGE_MS`,
 * `SLUICE_FLOW_DEAD_LETTER_WINDOW_MS`) for this job only. It reaches no SQL: changing it is
 * applied to the running Flink job without a restart.
 *
 * @example
 * defineJob({ ..., flow: { noOutputMs: 10_000, maxLagRecords: 50_000 } })
 * // DataFlowing False after 10 s of input without output; CaughtUp False above 50,000 records behind
 */
export const flowThresholdsSchema = z.strictObject({
  /** Input read but nothing written for this long: DataFlowing False. */
  noOutputMs: windowMs("noOutputMs").optional(),
  /** More records behind the end of the input than this: CaughtUp False. */
  maxLagRecords: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** No checkpoint completed for this long: CheckpointsHealthy False. */
  checkpointMaxAgeMs: windowMs("checkpointMaxAgeMs").optional(),
  /** A dead letter in this window: NoDeadLetters False. */
  deadLetterWindowMs: windowMs("deadLetterWindowMs").optional(),
});
export type FlowThresholdsSpec = z.infer<typeof flowThresholdsSchema>;

/** The threshold names a spec's `flow` may set. */
export const FLOW_THRESHOLD_NAMES = [
  "noOutputMs",
  "maxLagRecords",
  "checkpointMaxAgeMs",
  "deadLetterWindowMs",
] as const satisfies ReadonlyArray<keyof FlowThresholdsSpec>;
