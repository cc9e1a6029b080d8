import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "./settings.ts";

/** Where `mvn package` in `flink-jobs/functions` writes the jar of Sluice's Flink functions. */
export const defaultFunctionsJar = join(
  repoRoot,
  "flink-jobs",
  "functions",
  "target",
  "sluice-flink-functions.jar",
);

/**
 * The absolute path of the functions jar, as the native stack's SQL Gateway reads it:
 * `SLUICE_FUNCTIONS_JAR`, else the Maven build output in this checkout. Compiled jobs refer to
 * it as `${secret:FUNCTIONS_JAR}`; whoever submits them (API, tests, bench) puts this path there.
 *
 * @example
 *   resolveSecrets(sql, (name) => (name === "FUNCTIONS_JAR" ? functionsJar() : undefined))
 */
export function functionsJar(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SLUICE_FUNCTIONS_JAR || defaultFunctionsJar);
}

/**
 * Builds the functions jar with Maven when it is missing (`mvn -q package -DskipTests`, a few
 * seconds once Maven's cache holds Flink's API). A path given in `SLUICE_FUNCTIONS_JAR` is only
 * checked, never built. Returns the path, or throws with what to do.
 */
export function ensureFunctionsJar(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const jar = functionsJar(env);
  if (existsSync(jar)) return jar;
  if (env.SLUICE_FUNCTIONS_JAR) throw new Error(`SLUICE_FUNCTIONS_JAR names ${jar}, which does not exist`);
  log(`building the Flink functions jar (mvn package in flink-jobs/functions) -> ${jar}`);
  const pom = join(repoRoot, "flink-jobs", "functions", "pom.xml");
  const built = spawnSync("mvn", ["-q", "-f", pom, "package", "-DskipTests"], { encoding: "utf8" });
  if (built.status !== 0 || !existsSync(jar)) {
    const why =
      built.error?.message ?? `${built.stdout}${built.stderr}`.trim().split("\n").slice(-5).join("\n");
    throw new Error(`could not build the Flink functions jar (needs Maven and Java 17+): ${why}`);
  }
  return jar;
}
