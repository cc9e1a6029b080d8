import {
  ApiProblemError,
  allJobs,
  answer,
  createSluiceClient,
  type DryRun,
  type Job,
  type SluiceClient,
  specBody,
  unwrap,
} from "@sluice/api-client";
import packageJson from "../package.json" with { type: "json" };
import { type Command, type GlobalOptions, helpText, parseCommandLine } from "./args.ts";
import { unifiedDiff } from "./diff.ts";
import { EXIT_CODES, exitCodeOf, isExpectedError, OperationFailedError, UsageError } from "./errors.ts";
import {
  formatError,
  formatEvents,
  formatJobDetail,
  formatJobList,
  formatOperation,
  formatPlan,
  type PlanResult,
  sqlScript,
} from "./format.ts";
import { loadJobSpec } from "./load-job.ts";
import { specsDiffer } from "./spec-compare.ts";
import { top } from "./top-command.ts";

/** Where the CLI reads and writes; `main.ts` passes the process's, tests pass buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  fetch?: typeof fetch;
  /** How often `--wait` polls (default 1 s). */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Context {
  api: SluiceClient;
  io: CliIo;
  options: GlobalOptions;
}

/**
 * Runs one command line and returns the exit code (see `errors.ts`); never throws.
 *
 * @example
 * ```ts
 * const code = await run(["stop", "orders", "--wait"], { stdout: console.log, stderr: console.error, env: process.env, cwd: "." });
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes("--json");
  let hasToken = false;
  try {
    const { command, options } = parseCommandLine(argv, io.env);
    json = options.json;
    hasToken = options.token !== undefined;
    if (command.kind === "help") {
      io.stdout(helpText(command.topic));
      return EXIT_CODES.ok;
    }
    if (command.kind === "version") {
      io.stdout(`${packageJson.version}\n`);
      return EXIT_CODES.ok;
    }
    const api = createSluiceClient({ baseUrl: options.apiUrl, token: options.token, fetch: io.fetch });
    await execute(command, { api, io, options });
    return EXIT_CODES.ok;
  } catch (error) {
    if (json) {
      io.stderr(`${JSON.stringify(errorJson(error))}\n`);
    } else {
      io.stderr(formatError(error, { hasToken }));
      if (error instanceof UsageError) {
        io.stderr(
          error.command === undefined
            ? "Run `sluice --help` for the commands.\n"
            : `Run \`sluice ${error.command} --help\` for its options.\n`,
        );
      }
    }
    return exitCodeOf(error);
  }
}

/** `--json` errors: the API's problem document as is, the CLI's own errors in the same shape. */
function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof ApiProblemError) return error.problem;
  const code = isExpectedError(error)
    ? error.name
        .replace(/Error$/, "")
        .replace(/([a-z])([A-Z])/g, "$1_$2")
        .toUpperCase()
    : "CLI_INTERNAL";
  const problems = (error as { problems?: unknown }).problems;
  return {
    code,
    detail: error instanceof Error ? error.message : String(error),
    ...(Array.isArray(problems) && problems.length > 0 ? { problems } : {}),
  };
}

async function execute(command: Exclude<Command, { kind: "help" | "version" }>, ctx: Context): Promise<void> {
  switch (command.kind) {
    case "plan":
      return plan(command, ctx);
    case "apply":
      return apply(command, ctx);
    case "ls": {
      const body = await allJobs(ctx.api);
      return print(ctx, body, () => formatJobList(body));
    }
    case "get": {
      const body = await unwrap(ctx.api.GET("/v1/jobs/{name}", named(command.name)));
      return print(ctx, body, () => formatJobDetail(body));
    }
    case "events": {
      const body = await unwrap(
        ctx.api.GET("/v1/jobs/{name}/events", {
          params: { path: { name: command.name }, query: { after: command.after, limit: command.limit } },
        }),
      );
      return print(ctx, body, () => formatEvents(body.events));
    }
    case "stop": {
      const response = await answer(
        ctx.api.POST("/v1/jobs/{name}/stop", {
          ...named(command.name),
          body: { mode: command.mode, drain: command.drain },
        }),
      );
      const how =
        command.mode === "cancel"
          ? "cancelling, no savepoint"
          : command.drain
            ? "with a savepoint, draining"
            : "with a savepoint";
      return operation(ctx, command.name, response, command.wait, {
        accepted: `Stopping ${command.name} (${how}).`,
        noop: `${command.name} is already stopped.`,
        done: (job) =>
          `${job.name} is ${job.state}.${command.mode === "savepoint" && job.savepoints[0] ? ` Savepoint: ${job.savepoints[0].path}` : ""}`,
      });
    }
    case "start": {
      const response = await answer(
        ctx.api.POST("/v1/jobs/{name}/start", { ...named(command.name), body: { from: command.from } }),
      );
      const from =
        command.from === "latest"
          ? "its latest savepoint"
          : command.from === "none"
            ? "empty state"
            : command.from;
      return operation(ctx, command.name, response, command.wait, {
        accepted: `Starting ${command.name} from ${from}.`,
        noop: `${command.name} is already running.`,
        done: (job) => `${job.name} is ${job.state} (Flink job ${job.flinkJobId ?? "-"}).`,
      });
    }
    case "savepoint": {
      const response = await answer(ctx.api.POST("/v1/jobs/{name}/savepoints", named(command.name)));
      return operation(ctx, command.name, response, command.wait, {
        accepted: `Taking a savepoint of ${command.name}.`,
        noop: `No savepoint was needed for ${command.name}.`,
        done: (job) => `Savepoint of ${job.name}: ${job.savepoints[0]?.path ?? "(none recorded)"}`,
      });
    }
    case "top":
      return top(command, ctx);
    case "rm": {
      const response = await answer(
        ctx.api.DELETE("/v1/jobs/{name}", {
          params: { path: { name: command.name }, query: { mode: command.mode } },
        }),
      );
      return operation(ctx, command.name, response, command.wait, {
        accepted: `Deleting ${command.name} (${command.mode === "cancel" ? "cancel first" : "stop with a savepoint first"}).`,
        noop: `${command.name} is deleted.`,
        done: () => `Deleted ${command.name}.`,
      });
    }
    default: {
      const never: never = command;
      throw new UsageError(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

/** A mutating call's answer: 202 started an operation, 200 had nothing to do. */
type JobAnswer = { status: number; body: Job };

/** The path parameter of the `/v1/jobs/{name}` routes. */
function named(name: string) {
  return { params: { path: { name } } };
}

function print(ctx: Context, value: unknown, human: () => string): void {
  ctx.io.stdout(ctx.options.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

/** The deployed job, or `null` when the API has no job of that name. */
async function deployedJob(api: SluiceClient, name: string): Promise<Job | null> {
  try {
    return await unwrap(api.GET("/v1/jobs/{name}", named(name)));
  } catch (error) {
    if (error instanceof ApiProblemError && error.problem.code === "JOB_NOT_FOUND") return null;
    throw error;
  }
}

async function plan(command: Extract<Command, { kind: "plan" }>, ctx: Context): Promise<void> {
  const spec = await loadJobSpec(command.file, {
    cwd: ctx.io.cwd,
    exportName: command.exportName,
    params: command.params,
  });
  const dryRun = (await unwrap(
    ctx.api.POST("/v1/jobs", { params: { query: { dryRun: "true" } }, body: specBody(spec) }),
  )) as DryRun;
  const deployed = await deployedJob(ctx.api, spec.name);
  const specChanged = deployed === null || specsDiffer(spec, deployed.spec);
  const upgrade =
    deployed !== null && specChanged
      ? await unwrap(
          ctx.api.POST("/v1/jobs/{name}/plan", {
            params: { path: { name: spec.name }, query: {} },
            body: specBody(spec),
          }),
        )
      : undefined;
  const result: PlanResult = {
    name: spec.name,
    dryRun,
    deployed: deployed === null ? null : { version: deployed.version, state: deployed.state },
    specChanged,
    stateCompatibility: upgrade?.stateCompatibility ?? null,
    sqlDiff:
      deployed === null
        ? ""
        : unifiedDiff(sqlScript(deployed.sql), sqlScript(dryRun.sql), {
            beforeLabel: `${spec.name} (deployed v${deployed.version})`,
            afterLabel: `${spec.name} (${command.file})`,
          }),
  };
  print(ctx, result, () => formatPlan(result, { explain: command.explain }));
}

async function apply(command: Extract<Command, { kind: "apply" }>, ctx: Context): Promise<void> {
  const spec = await loadJobSpec(command.file, {
    cwd: ctx.io.cwd,
    exportName: command.exportName,
    params: command.params,
  });
  const deployed = await deployedJob(ctx.api, spec.name);
  if (deployed === null) {
    const response = (await answer(ctx.api.POST("/v1/jobs", { body: specBody(spec) }))) as JobAnswer;
    return operation(ctx, spec.name, response, command.wait, {
      action: "created",
      accepted: `Created ${spec.name} (version ${response.body.version}); submitting it to Flink.`,
      noop: `${spec.name} already exists with this spec (version ${response.body.version}).`,
      done: (job) =>
        `${job.name} is ${job.state} (version ${job.version}, Flink job ${job.flinkJobId ?? "-"}).`,
    });
  }
  if (!specsDiffer(spec, deployed.spec)) {
    const message = `${spec.name} is up to date (version ${deployed.version}, ${deployed.state}).\n`;
    print(ctx, { action: "unchanged", job: deployed }, () => message);
    return;
  }
  const response = await answer(
    ctx.api.PUT("/v1/jobs/{name}", {
      params: {
        path: { name: spec.name },
        query: {
          stateless: command.stateless ? "true" : undefined,
          allowStateLoss: command.allowStateLoss ? "true" : undefined,
        },
      },
      body: specBody(spec),
    }),
  );
  const stateHow = command.stateless ? "with empty state" : "through a savepoint";
  return operation(ctx, spec.name, response, command.wait, {
    action: response.status === 202 ? "upgraded" : "recorded",
    accepted: `Upgrading ${spec.name} from version ${deployed.version} to ${response.body.version} (${stateHow}).`,
    noop:
      response.body.version === deployed.version
        ? `${spec.name} is up to date (version ${deployed.version}).`
        : `Recorded version ${response.body.version} of ${spec.name}; it is stopped and will start with it.`,
    done: (job) =>
      `${job.name} is ${job.state} (version ${job.version}, Flink job ${job.flinkJobId ?? "-"}).`,
  });
}

interface OperationMessages {
  /** `--json` output wraps the job as `{ action, job }` when set (apply), else prints the job. */
  action?: string;
  accepted: string;
  noop: string;
  done: (job: Job) => string;
}

/**
 * Reports a mutating call: 202 starts an operation (followed with `--wait`), 200 means nothing
 * had to be done.
 */
async function operation(
  ctx: Context,
  name: string,
  response: JobAnswer,
  wait: boolean,
  messages: OperationMessages,
): Promise<void> {
  const out = (job: Job | null, text: string) => {
    const value = messages.action === undefined ? job : { action: messages.action, job };
    print(ctx, value, () => `${text}\n`);
  };
  const opId = response.body.operation?.id;
  if (response.status !== 202 || opId === undefined) {
    out(response.body, messages.noop);
    return;
  }
  if (!wait) {
    out(
      response.body,
      `${messages.accepted}\nOperation #${opId} (${response.body.operation?.kind}) is ${response.body.operation?.status}; ` +
        `follow it with \`sluice get ${name}\`, or pass --wait.`,
    );
    return;
  }
  if (!ctx.options.json) ctx.io.stderr(`${messages.accepted}\n`);
  const job = await waitForOperation(ctx, name, opId);
  out(job, job === null ? `Deleted ${name}.` : messages.done(job));
}

/**
 * Polls the job until operation `opId` is no longer in progress. Resolves with the job (or `null`
 * when the job is gone: a finished delete); rejects with {@link OperationFailedError} when the
 * operation failed or did not finish within `--timeout`.
 */
async function waitForOperation(ctx: Context, name: string, opId: number): Promise<Job | null> {
  const interval = ctx.io.pollIntervalMs ?? 1000;
  const sleep = ctx.io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + ctx.options.waitTimeoutMs;
  let lastShown = "";
  for (;;) {
    const job = await deployedJob(ctx.api, name);
    if (job === null) return null;
    if (job.operation?.id !== opId) {
      const last = job.lastOperation;
      if (last?.id === opId && last.status === "failed") {
        throw new OperationFailedError(`${name}: ${formatOperation(last)} (state ${job.state})`);
      }
      // Succeeded, or already followed by another operation (e.g. an automatic restart).
      return job;
    }
    if (!ctx.options.json) {
      const shown = `${job.state}${job.flinkState ? ` (Flink: ${job.flinkState})` : ""}`;
      if (shown !== lastShown) ctx.io.stderr(`  ... ${name}: ${shown}\n`);
      lastShown = shown;
    }
    if (Date.now() >= deadline) {
      throw new OperationFailedError(
        `${name}: operation #${opId} is still ${job.operation.status} after ${ctx.options.waitTimeoutMs / 1000}s ` +
          `(state ${job.state}); it goes on in the API: check \`sluice get ${name}\``,
      );
    }
    await sleep(interval);
  }
}
