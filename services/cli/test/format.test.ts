import { ApiProblemError, ApiUnreachableError } from "@sluice/api-client";
import { describe, expect, it } from "vitest";
import { JobFileError } from "../src/errors.ts";
import {
  formatError,
  formatEvents,
  formatJobDetail,
  formatJobList,
  formatPlan,
  sqlScript,
} from "../src/format.ts";
import { jobDetail, operation } from "./fake-api.ts";

describe("sqlScript", () => {
  it("ends each statement with one semicolon and separates them by a blank line", () => {
    expect(
      sqlScript([
        { kind: "set", sql: "SET 'a' = '1'" },
        { kind: "insert", sql: "INSERT INTO `b` SELECT 1;" },
      ]),
    ).toBe("SET 'a' = '1';\n\nINSERT INTO `b` SELECT 1;\n");
    expect(sqlScript([])).toBe("");
  });
});

describe("formatJobList", () => {
  it("prints an aligned table, reasons and strays", () => {
    const failed = jobDetail({
      name: "clicks",
      version: 3,
      state: "FAILED",
      reason: "Flink job f is FAILED",
      flinkJobId: null,
    });
    const text = formatJobList({
      jobs: [jobDetail(), failed],
      strays: [{ flinkJobId: "ff00", pipelineName: "sluice/ghost/v1", state: "RUNNING" }],
      nextCursor: null,
    });
    expect(text).toBe(
      [
        "NAME    VERSION  STATE    DESIRED  FLINK JOB                         UPDATED",
        "orders  1        RUNNING  RUNNING  a1b2c3d4e5f60718293a4b5c6d7e8f90  2026-01-01T00:00:00.000Z",
        "clicks  3        FAILED   RUNNING  -                                 2026-01-01T00:00:00.000Z",
        "  clicks: Flink job f is FAILED",
        "",
        "Stray Flink jobs (named sluice/* but unknown to this API; left untouched):",
        "FLINK JOB  PIPELINE NAME    STATE",
        "ff00       sluice/ghost/v1  RUNNING",
        "",
      ].join("\n"),
    );
  });

  it("says so when there are no jobs", () => {
    expect(formatJobList({ jobs: [], strays: [], nextCursor: null })).toBe("No jobs.\n");
  });
});

describe("formatJobDetail", () => {
  it("shows state, operation, savepoints, exceptions and the SQL", () => {
    const text = formatJobDetail(
      jobDetail({
        state: "STOPPING",
        operation: operation(4, "stop", "running"),
        lastOperation: operation(4, "stop", "running"),
        savepoints: [
          {
            path: "file:/sp/savepoint-1",
            kind: "savepoint",
            reason: "manual",
            version: 1,
            flinkJobId: "a1",
            createdAt: "2026-01-01T00:01:00.000Z",
          },
        ],
        exceptions: [
          { timestamp: "2026-01-01T00:02:00.000Z", message: "java.io.IOException: boom\n\tat x.y(Z.java:1)" },
        ],
      }),
    );
    expect(text).toContain("State:        STOPPING\n");
    expect(text).toContain("Operation:    #4 stop running\n");
    expect(text).not.toContain("Last op:");
    expect(text).toContain("  2026-01-01T00:01:00.000Z  v1  manual   file:/sp/savepoint-1\n");
    expect(text).toContain("  2026-01-01T00:02:00.000Z  java.io.IOException: boom\n");
    expect(text).toContain("SQL:\n  SET 'parallelism.default' = '1';\n\n  EXECUTE STATEMENT SET\n");
  });
});

describe("formatJobDetail: state and recovery", () => {
  it("shows a non-RUNNING state with its reason, and how the job recovers", () => {
    const degraded = formatJobDetail(
      jobDetail({
        state: "DEGRADED",
        reason: "1 of 2 tasks running (1 scheduled); after TaskManager lost, attempt 1",
        recovery: {
          checkpoints: true,
          interval: "10 s",
          mode: "EXACTLY_ONCE",
          parallelism: 2,
          resumable: true,
        },
      }),
    );
    expect(degraded).toContain(
      "State:        DEGRADED (1 of 2 tasks running (1 scheduled); after TaskManager lost, attempt 1)\n",
    );
    expect(degraded).toContain("Recovery:     checkpoints every 10 s (EXACTLY_ONCE), parallelism 2\n");
    const optedOut = formatJobDetail(
      jobDetail({
        recovery: { checkpoints: false, interval: null, mode: null, parallelism: null, resumable: false },
      }),
    );
    expect(optedOut).toContain("Recovery:     no checkpoints: cannot resume after a failure\n");
  });
});

describe("formatEvents", () => {
  it("prints one line per event", () => {
    expect(
      formatEvents([
        {
          id: 1,
          at: "2026-01-01T00:00:00.000Z",
          type: "created",
          message: "job created (version 1)",
          data: null,
        },
      ]),
    ).toBe(
      "ID  AT                        TYPE     MESSAGE\n1   2026-01-01T00:00:00.000Z  created  job created (version 1)\n",
    );
    expect(formatEvents([])).toBe("No events.\n");
  });
});

describe("formatPlan", () => {
  const dryRun = {
    dryRun: true as const,
    name: "orders",
    sql: jobDetail().sql,
    plan: "== Optimized Physical Plan ==",
    secretNames: ["KAFKA_PASSWORD"],
  };

  it("says a new job will be created", () => {
    const text = formatPlan(
      { name: "orders", dryRun, deployed: null, specChanged: true, sqlDiff: "" },
      { explain: true },
    );
    expect(text).toContain("SQL:\n  SET 'parallelism.default' = '1';");
    expect(text).toContain("Secrets needed at submission: KAFKA_PASSWORD");
    expect(text).toContain("Flink plan:\n  == Optimized Physical Plan ==");
    expect(text).toContain('Not deployed yet: `sluice apply` creates "orders" as version 1.');
  });

  it("shows the SQL diff of a changed spec, and nothing for an unchanged one", () => {
    const deployed = { version: 2, state: "RUNNING" };
    const changed = formatPlan(
      { name: "orders", dryRun, deployed, specChanged: true, sqlDiff: "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n" },
      { explain: false },
    );
    expect(changed).not.toContain("Flink plan:");
    expect(changed).toContain("differs from deployed version 2 (RUNNING)");
    expect(changed).toContain("SQL diff:\n--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n");
    const same = formatPlan(
      { name: "orders", dryRun, deployed, specChanged: false, sqlDiff: "" },
      { explain: false },
    );
    expect(same).toContain("No change: the spec equals deployed version 2 (RUNNING).");
  });
});

describe("formatError", () => {
  it("prints problems as path: message lines", () => {
    const error = new ApiProblemError({
      type: "https://sluice.dev/problems/invalid-spec",
      title: "Invalid job specification",
      status: 400,
      code: "INVALID_SPEC",
      detail: "The job specification has 2 problem(s)",
      problems: [
        { path: "tables[0].columns[0].type", code: "invalid_union", message: "unknown type NOPE" },
        { path: "tables[1]", code: "unrecognized_keys", message: 'Unrecognized key: "colums"' },
      ],
    });
    expect(formatError(error, { hasToken: true })).toBe(
      [
        "Error: Invalid job specification (INVALID_SPEC, HTTP 400): The job specification has 2 problem(s)",
        "  tables[0].columns[0].type: unknown type NOPE",
        '  tables[1]: Unrecognized key: "colums"',
        "",
      ].join("\n"),
    );
  });

  it("hints at the token on 401", () => {
    const error = new ApiProblemError({
      type: "t",
      title: "Missing or invalid bearer token",
      status: 401,
      code: "UNAUTHORIZED",
      detail: "d",
    });
    expect(formatError(error, { hasToken: false })).toContain("set SLUICE_API_TOKEN (or pass --token)");
    expect(formatError(error, { hasToken: true })).toContain("The API rejected the token.");
  });

  it("prints the URLs a FLINK_UNREACHABLE problem lists, job-file problems and unreachable APIs", () => {
    const flink = new ApiProblemError({
      type: "t",
      title: "Flink is unreachable",
      status: 503,
      code: "FLINK_UNREACHABLE",
      detail: "d",
      tried: ["http://127.0.0.1:8081"],
    });
    expect(formatError(flink, { hasToken: true })).toContain("  tried: http://127.0.0.1:8081\n");
    const file = new JobFileError("a.ts", "cannot load a.ts: invalid", {
      problems: [{ path: "name", code: "X", message: "not a slug" }],
    });
    expect(formatError(file, { hasToken: false })).toBe(
      "Error: cannot load a.ts: invalid\n  name: not a slug\n",
    );
    expect(formatError(new ApiUnreachableError("http://x:1", "ECONNREFUSED"), { hasToken: false })).toBe(
      "Error: cannot reach the Sluice API at http://x:1: ECONNREFUSED\nIs the API running? Set --api-url or SLUICE_API_URL.\n",
    );
  });
});
