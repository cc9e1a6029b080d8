import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Type-level tests: each `types/*.fail.ts` holds code the builders must
 * REJECT at compile time, with a `// expect-error TSxxxx: why` comment on the
 * line before the offending statement. One `tsc --noEmit` run checks them all;
 * every file must fail with exactly its expected error code and nothing else.
 */
const root = resolve(import.meta.dirname, "../..");
const typesDir = resolve(import.meta.dirname, "types");
const failFiles = readdirSync(typesDir).filter((f) => f.endsWith(".fail.ts"));

let output = "";
let workDir = "";

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "sluice-type-tests-"));
  const tsconfig = join(workDir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: { noEmit: true, types: [] },
      include: [],
      files: failFiles.map((f) => join(typesDir, f)),
    }),
  );
  try {
    execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", tsconfig, "--pretty", "false"], {
      cwd: root,
      encoding: "utf8",
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? "");
  }
}, 120_000);

afterAll(() => {
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
});

describe("builders reject ill-typed jobs at compile time", () => {
  it("found the fail files", () => {
    expect(failFiles.length).toBeGreaterThanOrEqual(6);
  });

  it.each(failFiles)("%s", (file) => {
    const source = readFileSync(join(typesDir, file), "utf8");
    const expected = /expect-error (TS\d+)/.exec(source)?.[1];
    expect(expected, "the file declares its expected error").toBeDefined();
    const errors = output
      .split("\n")
      .filter((line) => line.includes(`/${file}(`))
      .map((line) => /error (TS\d+)/.exec(line)?.[1]);
    expect(errors.length, output).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set([expected]));
  });
});
