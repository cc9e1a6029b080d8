import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CompiledJobLike } from "../compiler/port.ts";
import { MIGRATIONS } from "./migrations.ts";
import { JobStore } from "./store.ts";

const compiled: CompiledJobLike = {
  name: "a",
  statements: [{ kind: "create-table", sql: "CREATE TABLE t (x INT) WITH ('password' = '${secret:PW}')" }],
  enrichmentTasks: [],
  secretNames: ["PW"],
};
let dir: string;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("JobStore", () => {
  it("applies each migration once, records it, and survives a reopen (WAL)", () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-store-"));
    const path = join(dir, "nested", "sluice.db");
    const store = JobStore.open(path);
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(store.db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    // NORMAL (1): durable against a crash of the process, not of the machine.
    expect(store.db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
    store.createJob({ name: "a", spec: { name: "a" }, specHash: "h1", compiled, desiredState: "RUNNING" }, 1);
    store.addOperation("a", "submit", { version: 1, restore: { mode: "none" }, reason: "create" }, 2);
    store.close();

    const again = JobStore.open(path);
    expect(again.migrate()).toEqual([]);
    expect(again.db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get()).toEqual({
      n: MIGRATIONS.length,
    });
    expect(again.getJob("a")).toMatchObject({ desiredState: "RUNNING", currentVersion: 1 });
    expect(again.activeOperation("a")).toMatchObject({
      kind: "submit",
      status: "pending",
      params: { version: 1 },
    });
    expect(again.getVersion("a", 1)?.compiled.statements[0]?.sql).toContain("${secret:PW}");
    again.close();
  });

  it("applies a new migration on top of existing data", () => {
    const store = JobStore.open(":memory:");
    store.createJob({ name: "a", spec: { name: "a" }, specHash: "h", compiled, desiredState: "STOPPED" }, 1);
    const next = [
      ...MIGRATIONS,
      { version: 99, name: "add labels", sql: "ALTER TABLE jobs ADD COLUMN labels TEXT" },
    ];
    expect(store.migrate(next)).toEqual([99]);
    expect(store.schemaVersion()).toBe(99);
    expect(store.getJob("a")?.desiredState).toBe("STOPPED");
  });

  it("rolls back a failing migration entirely", () => {
    const store = JobStore.open(":memory:");
    const broken = [
      ...MIGRATIONS,
      { version: 2, name: "broken", sql: "CREATE TABLE x (a INT); SELECT nope FROM nowhere;" },
    ];
    expect(() => store.migrate(broken)).toThrow();
    expect(store.schemaVersion()).toBe(1);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).toBeUndefined();
  });

  it("numbers versions, keeps runs newest first, and deletes a job with everything about it", () => {
    const store = JobStore.open(":memory:");
    store.createJob({ name: "a", spec: { name: "a" }, specHash: "h1", compiled, desiredState: "RUNNING" }, 1);
    expect(store.addVersion("a", { name: "a" }, "h2", compiled, 2).version).toBe(2);
    const run = { jobName: "a", restoredFrom: null, operationId: null };
    store.recordRun({ ...run, flinkJobId: "f1", version: 1, submittedAt: 10 });
    store.recordRun({ ...run, flinkJobId: "f2", version: 2, restoredFrom: "sp", submittedAt: 20 });
    store.recordRun({ ...run, flinkJobId: "f2", version: 2, restoredFrom: "sp", submittedAt: 30 });
    expect(store.listRuns("a").map((r) => r.flinkJobId)).toEqual(["f2", "f1"]);
    for (const createdAt of [5, 6]) {
      const savepoint = { jobName: "a", version: 1, flinkJobId: "f1", path: "sp", reason: "stop" } as const;
      store.addSavepoint({ ...savepoint, kind: "savepoint", createdAt });
    }
    expect(store.listSavepoints("a")).toHaveLength(1);
    store.addEvent("a", "created", "job created", null, 1);
    store.deleteJob("a");
    for (const table of ["versions", "runs", "savepoints", "operations", "events"]) {
      expect(store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });

  it("parses records on read and refuses what it cannot read", () => {
    const store = JobStore.open(":memory:");
    store.createJob({ name: "a", spec: { name: "a" }, specHash: "h", compiled, desiredState: "RUNNING" }, 1);
    const op = store.addOperation("a", "upgrade", { fromVersion: 1, toVersion: 2, stateless: false }, 2);
    store.updateOperation(op.id, { progress: { phase: "stop", stop: { targetJobId: null } } }, 3);
    const read = store.getOperation(op.id);
    expect(read?.kind === "upgrade" && read.progress.stop?.targetJobId).toBeNull();
    // @ts-expect-error an upgrade needs its versions
    expect(() => store.addOperation("a", "upgrade", { fromVersion: 1 }, 4)).toThrow(/toVersion/);
    store.db.prepare("UPDATE operations SET params_json = ? WHERE id = ?").run('{"mode":"later"}', op.id);
    expect(() => store.getOperation(op.id)).toThrow(/fromVersion/);
    store.db.prepare("UPDATE versions SET compiled_json = '{}'").run();
    expect(() => store.getVersion("a", 1)).toThrow(/statements/);
  });
});
