/**
 * `@sluice/cli`: the `sluice` command line over the Sluice REST API. The executable is
 * `src/main.ts`; these exports let scripts and tests run it in-process.
 *
 * @example
 * ```ts
 * import { run } from "@sluice/cli";
 * const exitCode = await run(["ls", "--json"], { stdout: (s) => out.push(s), stderr: console.error, env: process.env, cwd: "." });
 * ```
 */

export { ApiProblemError, ApiUnreachableError, type ProblemDocument } from "@sluice/api-client";
export { type Command, type GlobalOptions, helpText, parseCommandLine } from "./args.ts";
export { type CliIo, run } from "./commands.ts";
export { diffLines, unifiedDiff } from "./diff.ts";
export * from "./errors.ts";
export { formatError, formatJobDetail, formatJobList, formatPlan, sqlScript } from "./format.ts";
export { loadJobSpec, type SpecObject } from "./load-job.ts";
export { canonicalSpec, specsDiffer } from "./spec-compare.ts";
