import type { DryRun, Job } from "@sluice/api-client";
import { compileJob, jobSpecSchema } from "@sluice/flink-jobs";
import { describe, expect, it } from "vitest";
import { run } from "../src/commands.ts";
import { fakeApiPerTest, jobDetail, operation, problemReply } from "./fake-api.ts";
import { datagenJob } from "./fixtures/datagen-job.ts";

const TOKEN = "cli-secret-token-42";
const fixtures = new URL("./fixtures/", import.meta.url).pathname;

const api = fakeApiPerTest();

/** Runs the CLI in-process against the fake API; `--wait` polls without sleeping. */
async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { SLUICE_API_URL: api.url, SLUICE_API_TOKEN: TOKEN },
    cwd: fixtures,
    pollIntervalMs: 0,
  });
  // The token goes in the Authorization header and nowhere else.
  expect(stdout + stderr).not.toContain(TOKEN);
  return { code, stdout, stderr };
}

/** What the real API answers for a spec: the SDK's own compiled SQL. */
function dryRunOf(spec: ReturnType<typeof datagenJob>): DryRun {
  return {
    dryRun: true,
    name: spec.name,
    sql: compileJob(spec).statements.map((s) => ({ kind: s.kind, sql: s.sql })),
    plan: "== Abstract Syntax Tree ==",
    secretNames: [],
  };
}

function deployedAs(spec: ReturnType<typeof datagenJob>, overrides: Partial<Job> = {}): Job {
  const parsed = jobSpecSchema.parse(spec);
  return jobDetail({
    name: spec.name,
    spec: { ...parsed, version: 1 },
    sql: compileJob(parsed).statements.map((s) => ({ kind: s.kind, sql: s.sql })),
    ...overrides,
  });
}

describe("read commands", () => {
  it("ls prints a table and sends the token", async () => {
    api.fake.on("GET", "/v1/jobs", { status: 200, body: { jobs: [jobDetail()], strays: [] } });
    const { code, stdout } = await cli("ls");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME {4}VERSION {2}STATE/);
    expect(stdout).toContain("orders  1        RUNNING");
    expect(api.fake.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("ls lists every page of jobs, following nextCursor", async () => {
    api.fake.on("GET", "/v1/jobs", (request) => ({
      status: 200,
      body:
        request.query.cursor === "orders"
          ? { jobs: [jobDetail({ name: "payments" })], strays: [], nextCursor: null }
          : { jobs: [jobDetail()], strays: [], nextCursor: "orders" },
    }));
    const { code, stdout } = await cli("ls");
    expect(code).toBe(0);
    expect(stdout).toContain("orders  ");
    expect(stdout).toContain("payments  ");
    expect(api.fake.calls("GET", "/v1/jobs").map((r) => r.query.cursor)).toEqual([undefined, "orders"]);
  });

  it("--json prints the API's document", async () => {
    const body = { jobs: [jobDetail()], strays: [] };
    api.fake.on("GET", "/v1/jobs", { status: 200, body });
    const { code, stdout } = await cli("ls", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(body);
  });

  it("get of an unknown job exits 1 with the API's message", async () => {
    api.fake.on("GET", "/v1/jobs/nope", problemReply(404, "JOB_NOT_FOUND", 'No job named "nope"'));
    const { code, stdout, stderr } = await cli("get", "nope");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe('Error: Job not found (JOB_NOT_FOUND, HTTP 404): No job named "nope"\n');
  });

  it("events passes paging to the query string", async () => {
    api.fake.on("GET", "/v1/jobs/orders/events", {
      status: 200,
      body: {
        events: [{ id: 8, at: "2026-01-01T00:00:00.000Z", type: "stopped", message: "stopped", data: null }],
      },
    });
    const { code, stdout } = await cli("events", "orders", "--after", "7", "--limit", "5");
    expect(code).toBe(0);
    expect(api.fake.requests[0]?.query).toEqual({ after: "7", limit: "5" });
    expect(stdout).toContain("8   2026-01-01T00:00:00.000Z  stopped  stopped");
  });
});

describe("plan", () => {
  it("dry-runs a new job and says apply will create it", async () => {
    const spec = datagenJob();
    api.fake.on("POST", "/v1/jobs", { status: 200, body: dryRunOf(spec) });
    api.fake.on(
      "GET",
      "/v1/jobs/cli-fixture",
      problemReply(404, "JOB_NOT_FOUND", 'No job named "cli-fixture"'),
    );
    const { code, stdout } = await cli("plan", "datagen-job.ts");
    expect(code).toBe(0);
    const post = api.fake.calls("POST", "/v1/jobs")[0];
    expect(post?.query).toEqual({ dryRun: "true" });
    expect(post?.body).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(stdout).toContain("SQL:\n  CREATE TEMPORARY TABLE `numbers` (");
    expect(stdout).toContain('Not deployed yet: `sluice apply` creates "cli-fixture" as version 1.');
  });

  it("diffs the SQL against the deployed version and says what happens to the state", async () => {
    const local = datagenJob();
    api.fake.on("POST", "/v1/jobs", { status: 200, body: dryRunOf(local) });
    api.fake.on("GET", "/v1/jobs/cli-fixture", {
      status: 200,
      body: deployedAs(datagenJob({ rowsPerSecond: 10 }), { version: 3 }),
    });
    api.fake.on("POST", "/v1/jobs/cli-fixture/plan", {
      status: 200,
      body: {
        name: "cli-fixture",
        fromVersion: 3,
        change: "savepoint-upgrade",
        changed: ["tables"],
        stateCompatibility: {
          verdict: "incompatible",
          summary: "the new version cannot start from the savepoint",
          operators: [
            {
              operatorId: "a3",
              operator: "the aggregate grouped by user_id",
              fate: "cannot-be-restored",
              reason:
                "the GROUP BY key changed from `user_id` to `user_id, day`: the running totals cannot be kept",
            },
          ],
          added: [],
          elapsedMs: 812,
        },
      },
    });
    const { code, stdout } = await cli("plan", "datagen-job.ts");
    expect(code).toBe(0);
    expect(stdout).toContain("The spec differs from deployed version 3 (RUNNING)");
    expect(stdout).toContain("State: incompatible (apply with --stateless to start empty)");
    expect(stdout).toContain(
      "  LOST    the aggregate grouped by user_id: the GROUP BY key changed from `user_id` to `user_id, day`: the running totals cannot be kept",
    );
    expect(stdout).toContain(
      [
        "--- cli-fixture (deployed v3)",
        "+++ cli-fixture (datagen-job.ts)",
        "@@ -3,7 +3,7 @@",
        "   `bucket` INT",
        " ) WITH (",
        "   'connector' = 'datagen',",
        "-  'rows-per-second' = '10'",
        "+  'rows-per-second' = '5'",
        " );",
      ].join("\n"),
    );
  });

  it("reports no change, in JSON too", async () => {
    const spec = datagenJob();
    api.fake.on("POST", "/v1/jobs", { status: 200, body: dryRunOf(spec) });
    api.fake.on("GET", "/v1/jobs/cli-fixture", { status: 200, body: deployedAs(spec) });
    const human = await cli("plan", "datagen-job.ts");
    expect(human.stdout).toContain("No change: the spec equals deployed version 1 (RUNNING).");
    const json = await cli("plan", "datagen-job.ts", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: "cli-fixture",
      deployed: { version: 1, state: "RUNNING" },
      specChanged: false,
      sqlDiff: "",
      dryRun: { plan: "== Abstract Syntax Tree ==" },
    });
  });

  it("prints each problem of an invalid spec as path: message", async () => {
    api.fake.on(
      "POST",
      "/v1/jobs",
      problemReply(400, "INVALID_SPEC", "The job specification has 1 problem(s)", [
        {
          path: "inserts[0].query.select[0].expr",
          code: "UNKNOWN_COLUMN",
          message: "no column `idd` in `numbers`",
        },
      ]),
    );
    const { code, stderr } = await cli("plan", "spec-object.ts");
    expect(code).toBe(1);
    expect(stderr).toContain("\n  inserts[0].query.select[0].expr: no column `idd` in `numbers`\n");
  });

  it("exits 2 for a job file it cannot load, before any request", async () => {
    const { code, stderr } = await cli("plan", "invalid-name.ts");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Error: cannot load invalid-name.ts: invalid job spec/);
    expect(stderr).toContain("\n  name: a job name is a slug");
    expect(api.fake.requests).toEqual([]);
  });
});

describe("apply", () => {
  it("creates a missing job and waits until it runs", async () => {
    const submitting = jobDetail({
      name: "cli-fixture",
      state: "SUBMITTING",
      flinkJobId: null,
      flinkState: null,
      operation: operation(1, "submit", "pending"),
    });
    api.fake.on("POST", "/v1/jobs", { status: 202, body: submitting });
    api.fake.on("GET", "/v1/jobs/cli-fixture", [
      problemReply(404, "JOB_NOT_FOUND", "No job named cli-fixture"),
      { status: 200, body: { ...submitting, operation: operation(1, "submit", "running") } },
      {
        status: 200,
        body: jobDetail({ name: "cli-fixture", lastOperation: operation(1, "submit", "succeeded") }),
      },
    ]);
    const { code, stdout, stderr } = await cli("apply", "datagen-job.ts", "--wait");
    expect(code).toBe(0);
    expect(api.fake.calls("POST", "/v1/jobs")[0]?.query).toEqual({});
    expect(stderr).toContain("Created cli-fixture (version 1); submitting it to Flink.\n");
    expect(stderr).toContain("  ... cli-fixture: SUBMITTING\n");
    expect(stdout).toBe("cli-fixture is RUNNING (version 1, Flink job a1b2c3d4e5f60718293a4b5c6d7e8f90).\n");
  });

  it("does nothing when the deployed spec is the same", async () => {
    const spec = datagenJob();
    api.fake.on("GET", "/v1/jobs/cli-fixture", { status: 200, body: deployedAs(spec) });
    const { code, stdout } = await cli("apply", "datagen-job.ts");
    expect(code).toBe(0);
    expect(stdout).toBe("cli-fixture is up to date (version 1, RUNNING).\n");
    expect(api.fake.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("upgrades a changed job with PUT, statelessly when asked", async () => {
    api.fake.on("GET", "/v1/jobs/cli-fixture", {
      status: 200,
      body: deployedAs(datagenJob({ rowsPerSecond: 10 })),
    });
    api.fake.on("PUT", "/v1/jobs/cli-fixture", {
      status: 202,
      body: jobDetail({
        name: "cli-fixture",
        version: 2,
        state: "UPGRADING",
        operation: operation(2, "upgrade", "pending"),
      }),
    });
    const { code, stdout } = await cli("apply", "datagen-job.ts", "--stateless");
    expect(code).toBe(0);
    const put = api.fake.calls("PUT", "/v1/jobs/cli-fixture")[0];
    expect(put?.query).toEqual({ stateless: "true" });
    expect(put?.body).toMatchObject({
      name: "cli-fixture",
      tables: [{ connector: { rowsPerSecond: 5 } }, {}],
    });
    expect(stdout).toContain("Upgrading cli-fixture from version 1 to 2 (with empty state).\n");
    expect(stdout).toContain(
      "Operation #2 (upgrade) is pending; follow it with `sluice get cli-fixture`, or pass --wait.",
    );
  });

  it("--json reports the action and the job", async () => {
    api.fake.on("GET", "/v1/jobs/cli-fixture", problemReply(404, "JOB_NOT_FOUND", "none"));
    api.fake.on("POST", "/v1/jobs", {
      status: 202,
      body: jobDetail({ name: "cli-fixture", operation: operation(1, "submit", "pending") }),
    });
    const { stdout } = await cli("apply", "datagen-job.ts", "--json");
    expect(JSON.parse(stdout)).toMatchObject({
      action: "created",
      job: { name: "cli-fixture", operation: { id: 1 } },
    });
  });
});

describe("operations", () => {
  it("stop sends mode and drain; 200 means already stopped", async () => {
    api.fake.on("POST", "/v1/jobs/orders/stop", { status: 200, body: jobDetail({ state: "STOPPED" }) });
    const { code, stdout } = await cli("stop", "orders", "--drain");
    expect(code).toBe(0);
    expect(api.fake.requests[0]?.body).toEqual({ mode: "savepoint", drain: true });
    expect(stdout).toBe("orders is already stopped.\n");
  });

  it("stop --wait reports the savepoint", async () => {
    const savepoint = {
      path: "file:/tmp/sp/savepoint-abc",
      kind: "savepoint" as const,
      reason: "stop",
      version: 1,
      flinkJobId: "a1",
      createdAt: "2026-01-01T00:00:05.000Z",
    };
    api.fake.on("POST", "/v1/jobs/orders/stop", {
      status: 202,
      body: jobDetail({ state: "STOPPING", operation: operation(5, "stop", "pending") }),
    });
    api.fake.on("GET", "/v1/jobs/orders", [
      { status: 200, body: jobDetail({ state: "STOPPING", operation: operation(5, "stop", "running") }) },
      {
        status: 200,
        body: jobDetail({
          state: "STOPPED",
          desiredState: "STOPPED",
          savepoints: [savepoint],
          lastOperation: operation(5, "stop", "succeeded"),
        }),
      },
    ]);
    const { code, stdout } = await cli("stop", "orders", "--wait");
    expect(code).toBe(0);
    expect(stdout).toBe("orders is STOPPED. Savepoint: file:/tmp/sp/savepoint-abc\n");
  });

  it("--wait exits 1 when the operation fails", async () => {
    api.fake.on("POST", "/v1/jobs/orders/start", {
      status: 202,
      body: jobDetail({ state: "SUBMITTING", operation: operation(6, "submit", "pending") }),
    });
    api.fake.on("GET", "/v1/jobs/orders", {
      status: 200,
      body: jobDetail({
        state: "FAILED",
        lastOperation: operation(6, "submit", "failed", "Flink rejected the SQL: boom"),
      }),
    });
    const { code, stderr } = await cli("start", "orders", "--from-savepoint", "file:/sp/1", "--wait");
    expect(code).toBe(1);
    expect(api.fake.requests[0]?.body).toEqual({ from: "file:/sp/1" });
    expect(stderr).toContain("Starting orders from file:/sp/1.\n");
    expect(stderr).toContain(
      "Error: orders: #6 submit failed: Flink rejected the SQL: boom (state FAILED)\n",
    );
  });

  it("--wait gives up after --timeout with exit 1", async () => {
    api.fake.on("POST", "/v1/jobs/orders/savepoints", {
      status: 202,
      body: jobDetail({ operation: operation(7, "savepoint", "pending") }),
    });
    api.fake.on("GET", "/v1/jobs/orders", {
      status: 200,
      body: jobDetail({ operation: operation(7, "savepoint", "running") }),
    });
    let now = 0;
    const realNow = Date.now;
    Date.now = () => (now += 400);
    try {
      const { code, stderr } = await cli("savepoint", "orders", "--wait", "--timeout", "1");
      expect(code).toBe(1);
      expect(stderr).toContain("operation #7 is still running after 1s");
    } finally {
      Date.now = realNow;
    }
  });

  it("rm --wait ends when the job is gone", async () => {
    api.fake.on("DELETE", "/v1/jobs/orders", {
      status: 202,
      body: jobDetail({ operation: operation(8, "delete", "pending") }),
    });
    api.fake.on("GET", "/v1/jobs/orders", problemReply(404, "JOB_NOT_FOUND", "gone"));
    const { code, stdout } = await cli("rm", "orders", "--cancel", "--wait");
    expect(code).toBe(0);
    expect(api.fake.requests[0]?.query).toEqual({ mode: "cancel" });
    expect(stdout).toBe("Deleted orders.\n");
  });
});

describe("exit codes and errors", () => {
  it("exits 2 on usage errors without calling the API", async () => {
    const { code, stderr } = await cli("stop", "orders", "--no-savepoint");
    expect(code).toBe(2);
    expect(stderr).toBe(
      'sluice: --no-savepoint is not an option of "sluice stop"\nRun `sluice stop --help` for its options.\n',
    );
    expect(api.fake.requests).toEqual([]);
  });

  it("exits 3 when the API is unreachable", async () => {
    await api.fake.close();
    const { code, stderr } = await cli("ls");
    expect(code).toBe(3);
    expect(stderr).toContain(`cannot reach the Sluice API at ${api.url}: ECONNREFUSED`);
  });

  it("hints at the token on 401", async () => {
    api.fake.on(
      "POST",
      "/v1/jobs/orders/stop",
      problemReply(401, "UNAUTHORIZED", "This route needs a valid token"),
    );
    const { code, stderr } = await cli("stop", "orders");
    expect(code).toBe(1);
    expect(stderr).toContain("The API rejected the token.");
  });

  it("--json errors are problem documents on stderr", async () => {
    api.fake.on("GET", "/v1/jobs/x", problemReply(404, "JOB_NOT_FOUND", "No job named x"));
    const answer = await cli("get", "x", "--json");
    expect(answer.code).toBe(1);
    expect(JSON.parse(answer.stderr)).toMatchObject({
      status: 404,
      code: "JOB_NOT_FOUND",
      detail: "No job named x",
    });
    const usage = await cli("get", "--json");
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({ code: "USAGE", detail: '"sluice get" needs <name>' });
  });

  it("turns a non-JSON error page (a proxy) into a problem", async () => {
    api.fake.on("GET", "/v1/jobs", {
      status: 502,
      body: "<html>Bad Gateway</html>",
      contentType: "text/html",
    });
    const { code, stderr } = await cli("ls");
    expect(code).toBe(1);
    expect(stderr).toBe("Error: Bad Gateway (HTTP_502, HTTP 502): <html>Bad Gateway</html>\n");
  });
});
