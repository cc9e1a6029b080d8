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
    store.addOperation("a", "submit", { version: 1 }, 2);
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
    store.recordRun({
      flinkJobId: "f1",
      jobName: "a",
      version: 1,
      restoredFrom: null,
      operationId: null,
      submittedAt: 10,
    });
    store.recordRun({
      flinkJobId: "f2",
      jobName: "a",
      version: 2,
      restoredFrom: "sp",
      operationId: null,
      submittedAt: 20,
    });
    store.recordRun({
      flinkJobId: "f2",
      jobName: "a",
      version: 2,
      restoredFrom: "sp",
      operationId: null,
      submittedAt: 30,
    });
    expect(store.listRuns("a").map((r) => r.flinkJobId)).toEqual(["f2", "f1"]);
    store.addSavepoint({
      jobName: "a",
      version: 1,
      flinkJobId: "f1",
      path: "sp",
      kind: "savepoint",
      reason: "stop",
      createdAt: 5,
    });
    store.addSavepoint({
      jobName: "a",
      version: 1,
      flinkJobId: "f1",
      path: "sp",
      kind: "savepoint",
      reason: "stop",
      createdAt: 6,
    });
    expect(store.listSavepoints("a")).toHaveLength(1);
    store.addEvent("a", "created", "job created", null, 1);
    store.deleteJob("a");
    for (const table of ["versions", "runs", "savepoints", "operations", "events"]) {
      expect(store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });
});
