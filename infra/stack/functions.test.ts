import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultFunctionsJar, ensureFunctionsJar, functionsJar } from "./functions.ts";
import { repoRoot } from "./settings.ts";

describe("the Flink functions jar", () => {
  it("is the Maven build output of flink-jobs/functions unless SLUICE_FUNCTIONS_JAR names another", () => {
    expect(defaultFunctionsJar).toBe(
      join(repoRoot, "flink-jobs", "functions", "target", "sluice-flink-functions.jar"),
    );
    expect(functionsJar({})).toBe(defaultFunctionsJar);
    expect(functionsJar({ SLUICE_FUNCTIONS_JAR: "" })).toBe(defaultFunctionsJar);
    expect(functionsJar({ SLUICE_FUNCTIONS_JAR: "/opt/sluice/f.jar" })).toBe("/opt/sluice/f.jar");
  });

  it("checks a jar given in SLUICE_FUNCTIONS_JAR and never builds it", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-functions-"));
    const jar = join(dir, "f.jar");
    const log: string[] = [];
    expect(() => ensureFunctionsJar((l) => log.push(l), { SLUICE_FUNCTIONS_JAR: jar })).toThrow(
      /SLUICE_FUNCTIONS_JAR names .*f\.jar, which does not exist/,
    );
    writeFileSync(jar, "");
    expect(ensureFunctionsJar((l) => log.push(l), { SLUICE_FUNCTIONS_JAR: jar })).toBe(jar);
    expect(log).toEqual([]);
  });
});
