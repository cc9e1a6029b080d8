import { describe, expect, it } from "vitest";
import { JobFileError } from "../src/errors.ts";
import { loadJobSpec } from "../src/load-job.ts";

const cwd = new URL("./fixtures/", import.meta.url).pathname;

async function loadError(
  file: string,
  exportName?: string,
  params?: Record<string, unknown>,
): Promise<JobFileError> {
  const error = await loadJobSpec(file, { cwd, exportName, params }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof JobFileError) return error;
  throw new Error(`expected a JobFileError, got ${String(error)}`);
}

describe("loadJobSpec", () => {
  it("calls a default-exported factory with no arguments", async () => {
    const spec = await loadJobSpec("datagen-job.ts", { cwd });
    expect(spec.name).toBe("cli-fixture");
    expect(spec).toMatchObject({
      tables: [{ name: "numbers", connector: { rowsPerSecond: 5 } }, { name: "sink" }],
    });
    // Plain JSON: the SDK's frozen objects are copied.
    expect(Object.isFrozen(spec)).toBe(false);
  });

  it("takes a named export with --export", async () => {
    const spec = await loadJobSpec("datagen-job.ts", { cwd, exportName: "fast" });
    expect(spec).toMatchObject({
      name: "cli-fixture-fast",
      tables: [{ connector: { rowsPerSecond: 100 } }, { name: "sink" }],
    });
  });

  it("takes the only exported job of a file without a default export, and passes --param to it", async () => {
    expect(await loadJobSpec("single-export.ts", { cwd })).toMatchObject({
      name: "cli-single",
      tables: [{ connector: { rowsPerSecond: 5 } }, { name: "sink" }],
    });
    const spec = await loadJobSpec("single-export.ts", {
      cwd,
      params: { name: "cli-param", rowsPerSecond: 42 },
    });
    expect(spec).toMatchObject({
      name: "cli-param",
      tables: [{ connector: { rowsPerSecond: 42 } }, { name: "sink" }],
    });
  });

  it("takes a default-exported spec object and a .json file", async () => {
    expect(await loadJobSpec("spec-object.ts", { cwd })).toEqual({
      name: "cli-plain",
      tables: [],
      inserts: [],
    });
    expect(await loadJobSpec("spec.json", { cwd })).toEqual({ name: "cli-json", tables: [], inserts: [] });
  });

  it("explains what is wrong with a file", async () => {
    expect((await loadError("missing.ts")).message).toBe("cannot find the job file missing.ts");
    expect((await loadError("no-default.ts")).message).toBe(
      "no-default.ts has no default export and several candidates: one, two (pick one with --export)",
    );
    expect((await loadError("spec.json", undefined, { a: 1 })).message).toBe(
      "--param needs a job factory; spec.json is a spec",
    );
    expect((await loadError("spec-object.ts", undefined, { a: 1 })).message).toMatch(
      /--param needs a job factory/,
    );
    expect((await loadError("datagen-job.ts", "nope")).message).toMatch(/has no export named "nope"/);
    expect((await loadError("not-a-spec.ts")).message).toBe(
      "not-a-spec.ts must define a job spec object (got number)",
    );
  });

  it("passes on the SDK's validation problems with their paths", async () => {
    const error = await loadError("invalid-name.ts");
    expect(error.message).toMatch(/^cannot load invalid-name.ts: invalid job spec: name:/);
    expect(error.problems).toEqual([
      expect.objectContaining({ path: "name", message: expect.stringContaining("slug") }),
    ]);
  });
});
