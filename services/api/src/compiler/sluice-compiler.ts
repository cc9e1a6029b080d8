import {
  compileJob,
  formatPath,
  type JobSpec,
  redactSecrets,
  resolveSecrets,
  validateJob,
} from "@sluice/flink-jobs";
import type { JobCompiler, JobSpecLike } from "./port.ts";

/**
 * The real compiler of `@sluice/flink-jobs` behind the API's {@link JobCompiler} port.
 * Problems keep their JSON path, rendered as `tables[0].columns[2].type`.
 */
export const sluiceCompiler: JobCompiler = {
  validate(input) {
    // The API assigns versions: a client-sent `version` is ignored rather than rejected.
    const body =
      input !== null && typeof input === "object" && !Array.isArray(input) && "version" in input
        ? Object.fromEntries(Object.entries(input).filter(([k]) => k !== "version"))
        : input;
    const result = validateJob(body);
    if (result.ok) return { ok: true, spec: result.spec };
    return {
      ok: false,
      problems: result.problems.map((p) => ({ path: formatPath(p.path), code: p.code, message: p.message })),
    };
  },
  compile(spec: JobSpecLike) {
    // The version the API assigned goes in: default consumer group ids carry it
    // (`sluice.<job>.v<version>.<table>`), so a new version does not take over the old one's offsets.
    return compileJob(spec as JobSpec);
  },
  resolveSecrets,
  redactSecrets,
};
