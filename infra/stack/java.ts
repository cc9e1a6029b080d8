import { spawnSync } from "node:child_process";
import { StackError } from "./component.ts";
import { javaMajor, versions } from "./versions.ts";

const checked = new Set<string>();

/** Fails early, with a clear message, when `java` is missing or older than 17 (checked once per binary). */
export function checkJava(java: string): void {
  if (checked.has(java)) return;
  const result = spawnSync(java, ["-version"], { encoding: "utf8" });
  if (result.error) {
    throw new StackError(
      `cannot run ${java} (${result.error.message}); install Java ${javaMajor} or set JAVA_HOME`,
    );
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr ?? "");
  const major = version ? Number(version[1] === "1" ? version[2] : version[1]) : 0;
  if (major < javaMajor) {
    throw new StackError(
      `Flink ${versions.flink} needs Java ${javaMajor}+; ${java} is: ${result.stderr.split("\n")[0]}`,
    );
  }
  checked.add(java);
}
