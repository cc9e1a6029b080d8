import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { JobFileError, type ProblemItem } from "./errors.ts";

/** A job spec as sent to the API: a JSON object with at least a `name`. */
export type SpecObject = Record<string, unknown> & { name: string };

/**
 * Loads a job definition file and returns the spec it defines, as plain JSON.
 *
 * The convention for job files (`flink-jobs/jobs/*.ts`):
 * - the **default export** is the job: either a JobSpec (`export default defineJob({...})`) or a
 *   factory function that `sluice` calls **with no arguments** (give every parameter a default)
 *   and that returns a JobSpec or a promise of one;
 * - `--export <name>` picks a named export instead, with the same rules;
 * - a `.json` file holds the spec itself.
 *
 * TypeScript files are imported as they are (Node >= 22.18 strips types natively).
 *
 * @example
 * ```ts
 * // flink-jobs/jobs/sensor-anomalies.ts
 * export function sensorAnomalies(options: { threshold?: number } = {}) { return defineJob({ ... }); }
 * export default sensorAnomalies;
 *
 * const spec = await loadJobSpec("flink-jobs/jobs/sensor-anomalies.ts", { cwd: process.cwd() });
 * spec.name; // "sensor-anomalies"
 * ```
 */
export async function loadJobSpec(
  file: string,
  options: { cwd: string; exportName?: string },
): Promise<SpecObject> {
  const path = resolve(options.cwd, file);
  const isFile = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) throw new JobFileError(file, `cannot find the job file ${file}`);
  let value: unknown;
  if (path.endsWith(".json")) {
    value = await readJson(file, path);
  } else {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw importFailure(file, error);
    }
    const key = options.exportName ?? "default";
    if (!(key in module)) {
      const available = Object.keys(module).filter((k) => k !== "default");
      const hint =
        available.length > 0 ? `; its exports are: ${available.join(", ")} (pick one with --export)` : "";
      const what = key === "default" ? "no default export" : `no export named "${key}"`;
      throw new JobFileError(file, `${file} has ${what}${hint}`);
    }
    value = module[key];
    if (typeof value === "function") {
      try {
        value = await (value as () => unknown)();
      } catch (error) {
        throw importFailure(file, error, `calling the ${key} export of ${file} failed`);
      }
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new JobFileError(file, `${file} must define a job spec object (got ${describe(value)})`);
  }
  const name = (value as { name?: unknown }).name;
  if (typeof name !== "string" || name === "") {
    throw new JobFileError(file, `the job spec in ${file} has no "name" (a job's name is its identity)`);
  }
  // Exactly what the API will receive: plain JSON, no frozen objects, no functions.
  return JSON.parse(JSON.stringify(value)) as SpecObject;
}

async function readJson(file: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new JobFileError(
      file,
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JobFileError(file, `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Import errors worth a clear line: syntax errors, missing imports, and the SDK's validation problems. */
function importFailure(file: string, error: unknown, prefix?: string): JobFileError {
  const problems = specProblems(error);
  const message = error instanceof Error ? error.message : String(error);
  return new JobFileError(file, `${prefix ?? `cannot load ${file}`}: ${message}`, { problems, cause: error });
}

/** `defineJob` throws a SpecValidationError whose `problems` have array paths. */
function specProblems(error: unknown): ProblemItem[] {
  const problems = (error as { problems?: unknown } | undefined)?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.flatMap((p): ProblemItem[] => {
    if (typeof p !== "object" || p === null) return [];
    const { path, code, message } = p as { path?: unknown; code?: unknown; message?: unknown };
    return [
      {
        path: Array.isArray(path) ? formatPath(path) : String(path ?? ""),
        code: String(code ?? "INVALID"),
        message: String(message ?? ""),
      },
    ];
  });
}

function formatPath(path: unknown[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(spec)" : out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
