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
 * - the job is the file's **default export**, or, without one, its **only exported function or
 *   object** (`export function sensorAnomalies(options = {}) {...}` is enough);
 *   `--export <name>` picks a named export explicitly;
 * - the job is either a JobSpec (`defineJob({...})`) or a **factory** that `sluice` calls with the
 *   `--param` options (`{}` without any: give every option a default) and that returns a JobSpec
 *   or a promise of one;
 * - a `.json` file holds the spec itself.
 *
 * TypeScript files are imported as they are (Node >= 22.18 strips types natively).
 *
 * @example
 * ```ts
 * // flink-jobs/jobs/sensor-anomalies.ts
 * export function sensorAnomalies(options: { threshold?: number } = {}) { return defineJob({ ... }); }
 *
 * const spec = await loadJobSpec("flink-jobs/jobs/sensor-anomalies.ts", { cwd, params: { threshold: 90 } });
 * spec.name; // "sensor-anomalies"
 * ```
 */
export async function loadJobSpec(
  file: string,
  options: { cwd: string; exportName?: string | undefined; params?: Record<string, unknown> | undefined },
): Promise<SpecObject> {
  const path = resolve(options.cwd, file);
  const isFile = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) throw new JobFileError(file, `cannot find the job file ${file}`);
  const params = options.params ?? {};
  const hasParams = Object.keys(params).length > 0;
  let value: unknown;
  if (path.endsWith(".json")) {
    if (hasParams) throw new JobFileError(file, `--param needs a job factory; ${file} is a spec`);
    value = await readJson(file, path);
  } else {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw importFailure(file, error);
    }
    const key = pickExport(file, module, options.exportName);
    value = module[key];
    if (typeof value === "function") {
      try {
        value = await (value as (params: Record<string, unknown>) => unknown)(params);
      } catch (error) {
        throw importFailure(file, error, `calling the ${key} export of ${file} failed`);
      }
    } else if (hasParams) {
      throw new JobFileError(
        file,
        `--param needs a job factory; the ${key} export of ${file} is not a function`,
      );
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

/** The export holding the job: the named one, else `default`, else the only function or object. */
function pickExport(file: string, module: Record<string, unknown>, exportName: string | undefined): string {
  const named = Object.keys(module).filter((k) => k !== "default");
  if (exportName !== undefined) {
    if (exportName in module) return exportName;
    const hint = named.length > 0 ? `; its exports are: ${named.join(", ")}` : "";
    throw new JobFileError(file, `${file} has no export named "${exportName}"${hint}`);
  }
  if ("default" in module) return "default";
  const candidates = named.filter((k) => {
    const v = module[k];
    return typeof v === "function" || (typeof v === "object" && v !== null && !Array.isArray(v));
  });
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0) {
    throw new JobFileError(
      file,
      `${file} exports no job: export a JobSpec or a factory (see \`sluice plan --help\`)`,
    );
  }
  throw new JobFileError(
    file,
    `${file} has no default export and several candidates: ${candidates.join(", ")} (pick one with --export)`,
  );
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
