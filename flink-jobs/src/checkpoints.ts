import { z } from "zod";
import type { SpecProblem } from "./problems.ts";
import { quoteLiteral } from "./sql-text.ts";

/** How often a job checkpoints when its spec does not say: the position it resumes from is at most this old. */
export const DEFAULT_CHECKPOINT_INTERVAL = "10 s";
export const CHECKPOINT_MODES = ["EXACTLY_ONCE", "AT_LEAST_ONCE"] as const;

const durationSchema = z.string().regex(/^[0-9]{1,9} ?(ms|s|min|h)$/, {
  message: "a duration such as '10 s', '500 ms' or '1 min'",
  abort: true,
});

/**
 * A job's checkpointing: every job checkpoints (default every 10 s, exactly-once), so every restart
 * resumes from a position; `false` opts out explicitly, and then the job cannot resume after a failure.
 *
 * @example
 * defineJob({ ..., checkpoints: { interval: "30 s", mode: "AT_LEAST_ONCE" } })
 * // SET 'execution.checkpointing.interval' = '30 s'
 * // SET 'execution.checkpointing.mode' = 'AT_LEAST_ONCE'
 */
export const checkpointsSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      /** Time between checkpoints (default `10 s`); at least 100 ms. */
      interval: durationSchema
        // NaN (not a duration) passes: the regex reports it.
        .refine((d) => !(durationMs(d) < 100), "a checkpoint interval is at least 100 ms")
        .optional(),
      /** `EXACTLY_ONCE` (default) or `AT_LEAST_ONCE` (no barrier alignment: lower latency, repeats on recovery). */
      mode: z.enum(CHECKPOINT_MODES).optional(),
    }),
  ],
  {
    error:
      "`checkpoints` is `false` (opt out) or `{ interval, mode }`: an interval such as '10 s' (at least 100 ms), a mode 'EXACTLY_ONCE' or 'AT_LEAST_ONCE'",
  },
);
export type CheckpointsSpec = z.infer<typeof checkpointsSchema>;

/** `parallelism`: how many parallel instances of each operator; a change is an upgrade through a savepoint. */
export const parallelismSchema = z.int().min(1).max(1024);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
function durationMs(duration: string): number {
  const match = /^([0-9]+) ?([a-z]+)$/.exec(duration);
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] ?? Number.NaN) : Number.NaN;
}

/** Config keys that `checkpoints` and `parallelism` own; setting both is a conflict. */
const OWNED_KEYS: Record<string, "checkpoints" | "parallelism"> = {
  "execution.checkpointing.interval": "checkpoints",
  "execution.checkpointing.mode": "checkpoints",
  "parallelism.default": "parallelism",
};

interface ExecutionSpec {
  checkpoints?: CheckpointsSpec | undefined;
  parallelism?: number | undefined;
  config: Record<string, string | number | boolean>;
}

/** A key of `config` that `checkpoints` or `parallelism` also sets (an opted-out job may set none). */
export function validateExecution(spec: ExecutionSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const key of Object.keys(spec.config)) {
    const owner = OWNED_KEYS[key];
    if (owner === undefined || spec[owner] === undefined) continue;
    problems.push({
      path: ["config", key],
      code: "CONFIG_CONFLICT",
      message:
        spec.checkpoints === false && owner === "checkpoints"
          ? `\`${key}\` configures checkpoints, but \`checkpoints\` is false (the job opted out of checkpointing)`
          : `\`${key}\` is also set by \`${owner}\`; set it in one place only (\`${owner}\`)`,
    });
  }
  return problems;
}

/**
 * The SETs of a job's explicit checkpointing and parallelism, before its own `config`. A job
 * without `checkpoints` compiles to no checkpoint SET: the API submits every job with
 * {@link DEFAULT_CHECKPOINT_INTERVAL} as a session setting, which a SET of the job overrides
 * (see {@link defaultCheckpointSettings}), so stored SQL stays as written.
 */
export function renderExecution(spec: ExecutionSpec): string[] {
  const set = (key: string, value: string | number) =>
    `SET ${quoteLiteral(key)} = ${quoteLiteral(String(value))}`;
  const lines: string[] = [];
  const cp = spec.checkpoints;
  if (cp !== false && cp?.interval !== undefined)
    lines.push(set("execution.checkpointing.interval", cp.interval));
  if (cp !== false && cp?.mode !== undefined) lines.push(set("execution.checkpointing.mode", cp.mode));
  if (spec.parallelism !== undefined) lines.push(set("parallelism.default", spec.parallelism));
  return lines;
}

/**
 * Session settings the API submits every checkpointing job with, before its statements (whose
 * SETs win): the default interval, and checkpoints retained when the job fails or is cancelled
 * so that a restart resumes from one. None for a job that opted out.
 *
 * @example
 * defaultCheckpointSettings({}) // { "execution.checkpointing.interval": "10 s", "...retention": "RETAIN_ON_CANCELLATION" }
 */
export function defaultCheckpointSettings(spec: {
  checkpoints?: CheckpointsSpec | undefined;
}): Record<string, string> {
  if (spec.checkpoints === false) return {};
  return {
    "execution.checkpointing.interval": DEFAULT_CHECKPOINT_INTERVAL,
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
  };
}

/** Whether a job checkpoints, so that a restart can resume from a position (not from empty state). */
export function checkpointsEnabled(spec: { checkpoints?: CheckpointsSpec | undefined }): boolean {
  return spec.checkpoints !== false;
}
