import type { SpecProblem } from "./problems.ts";
import { quoteLiteral } from "./sql-text.ts";

type ConfigValue = string | number | boolean;
interface ConfigOption {
  describe: string;
  check: (value: ConfigValue) => boolean;
}

const DURATION = /^[0-9]{1,12} ?(ms|s|min|h|d)$/;
const positiveInt = (max: number) => (v: ConfigValue) =>
  (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max) ||
  (typeof v === "string" && /^[0-9]{1,9}$/.test(v) && Number(v) >= 1 && Number(v) <= max);
const duration = (v: ConfigValue) => typeof v === "string" && DURATION.test(v);
const bool = (v: ConfigValue) => typeof v === "boolean" || v === "true" || v === "false";

/**
 * Flink options a job may set. Anything that changes identity, recovery or the
 * cluster (`pipeline.name`, `execution.state-recovery.path`, classpaths, ...)
 * belongs to the API or the operator and is rejected.
 */
export const ALLOWED_CONFIG: Readonly<Record<string, ConfigOption>> = {
  "parallelism.default": { describe: "an integer from 1 to 1024", check: positiveInt(1024) },
  "pipeline.max-parallelism": { describe: "an integer from 1 to 32768", check: positiveInt(32768) },
  "execution.checkpointing.interval": { describe: "a duration such as '30 s' or '1 min'", check: duration },
  "execution.checkpointing.mode": {
    describe: "'EXACTLY_ONCE' or 'AT_LEAST_ONCE'",
    check: (v) => v === "EXACTLY_ONCE" || v === "AT_LEAST_ONCE",
  },
  "execution.checkpointing.min-pause": { describe: "a duration such as '10 s'", check: duration },
  "execution.checkpointing.timeout": { describe: "a duration such as '10 min'", check: duration },
  "pipeline.object-reuse": { describe: "true or false", check: bool },
  "pipeline.auto-watermark-interval": { describe: "a duration such as '200 ms'", check: duration },
  // How the job restarts after a failure (an unreachable database, say): a job that waits for a
  // dependency uses `exponential-delay`, which keeps retrying instead of failing after N attempts.
  "restart-strategy.type": {
    describe: "'fixed-delay', 'exponential-delay', 'failure-rate' or 'none'",
    check: (v) => v === "fixed-delay" || v === "exponential-delay" || v === "failure-rate" || v === "none",
  },
  "restart-strategy.exponential-delay.initial-backoff": {
    describe: "a duration such as '1 s'",
    check: duration,
  },
  "restart-strategy.exponential-delay.max-backoff": {
    describe: "a duration such as '30 s'",
    check: duration,
  },
  "table.exec.state.ttl": { describe: "a duration such as '1 h' or '0 ms' (keep forever)", check: duration },
  "table.exec.mini-batch.enabled": { describe: "true or false", check: bool },
  "table.exec.mini-batch.allow-latency": { describe: "a duration such as '2 s'", check: duration },
  "table.exec.mini-batch.size": { describe: "an integer from 1 to 1000000", check: positiveInt(1_000_000) },
  "table.exec.source.idle-timeout": { describe: "a duration such as '30 s'", check: duration },
  "table.exec.sink.upsert-materialize": {
    describe: "'NONE', 'AUTO' or 'FORCE'",
    check: (v) => v === "NONE" || v === "AUTO" || v === "FORCE",
  },
  "table.local-time-zone": {
    describe: "a time-zone id such as 'UTC' or 'Europe/Berlin'",
    check: (v) =>
      typeof v === "string" && /^[A-Za-z]+(\/[A-Za-z_+-]+)*$|^(UTC|GMT)[+-][0-9]{1,2}(:[0-9]{2})?$/.test(v),
  },
  "table.optimizer.agg-phase-strategy": {
    describe: "'AUTO', 'ONE_PHASE' or 'TWO_PHASE'",
    check: (v) => v === "AUTO" || v === "ONE_PHASE" || v === "TWO_PHASE",
  },
};

/** Keys the API sets itself on every submission. */
const RESERVED_CONFIG = new Set([
  "pipeline.name",
  "execution.state-recovery.path",
  "execution.savepoint.path",
]);

export function validateConfig(config: Record<string, ConfigValue>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [key, value] of Object.entries(config)) {
    const option = ALLOWED_CONFIG[key];
    if (RESERVED_CONFIG.has(key)) {
      problems.push({
        path: ["config", key],
        code: "CONFIG_KEY_RESERVED",
        message: `\`${key}\` is set by Sluice on every submission (job name and version, savepoint to resume from) and cannot be set in a job`,
      });
    } else if (option === undefined) {
      problems.push({
        path: ["config", key],
        code: "CONFIG_KEY_NOT_ALLOWED",
        message: `\`${key}\` is not an option a job may set; allowed: ${Object.keys(ALLOWED_CONFIG).join(", ")}`,
      });
    } else if (!option.check(value)) {
      problems.push({
        path: ["config", key],
        code: "CONFIG_VALUE_INVALID",
        message: `\`${key}\` must be ${option.describe}, got ${JSON.stringify(value)}`,
      });
    }
  }
  return problems;
}

/** `SET 'parallelism.default' = '2'`, in the spec's key order. */
export function renderConfig(config: Record<string, ConfigValue>): string[] {
  return Object.entries(config).map(
    ([key, value]) => `SET ${quoteLiteral(key)} = ${quoteLiteral(String(value))}`,
  );
}
