import { explainProblems } from "./fake-explain.ts";
import type {
  CheckpointInfo,
  FlinkException,
  FlinkJobSummary,
  FlinkPort,
  FlowMetricsQuery,
  RawFlowMetrics,
  SavepointStatus,
} from "./port.ts";
import { FlinkError, type SubmitRequest, TERMINAL_FLINK_STATES } from "./port.ts";

interface FakeJob extends FlinkJobSummary {
  request: SubmitRequest;
  exceptionList: FlinkException[];
  checkpoints: CheckpointInfo[];
}

interface FakeTrigger {
  jobId: string;
  stop: boolean;
  pollsLeft: number;
  fail?: string;
  transient?: boolean;
  path: string;
}

/**
 * A hand-written, in-memory Flink for unit tests: jobs, states, savepoint triggers,
 * checkpoints and exceptions, with switches to make it unreachable or to fail the next call.
 * It mimics the behaviours the lifecycle relies on (stop-with-savepoint ends the job FINISHED,
 * a savepoint the new program cannot map fails the job), not Flink's internals.
 *
 * @example
 * ```ts
 * const flink = new FakeFlink();
 * const { jobId } = await flink.submit({ settings: { "pipeline.name": "sluice/a/v1" }, statements: [] });
 * flink.cancelOutside(jobId); // as if someone used the Flink UI
 * ```
 */
export class FakeFlink implements FlinkPort {
  readonly endpoints = { restUrl: "http://fake-flink:8081", sqlGatewayUrl: "http://fake-flink:8083" };
  readonly jobs = new Map<string, FakeJob>();
  readonly submissions: SubmitRequest[] = [];
  readonly calls: string[] = [];
  reachable = true;
  /** State a freshly submitted job starts in. */
  initialState = "RUNNING";
  /** Polls a savepoint trigger stays IN_PROGRESS before completing. */
  savepointPolls = 0;
  /** Restore paths the "new program" cannot map: a submission from one of them FAILS. */
  readonly incompatibleSavepoints = new Set<string>();
  failNextSubmit: FlinkError | undefined;
  failNextSavepoint: string | undefined;
  /** The next trigger fails with a reason that a new trigger may not have (tasks still deploying). */
  failNextSavepointTransiently: string | undefined;
  /** When set, submit() never returns (simulates a crash while the gateway works). */
  hangSubmit = false;
  /** Relations Flink is made not to find (as if their connector were missing): explain rejects them. */
  readonly missingObjects = new Set(["NO_SUCH_TABLE"]);
  /** What readFlowMetrics answers per Flink job id (empty metrics when absent). */
  readonly flowMetrics = new Map<string, RawFlowMetrics>();
  /** What `explain` answers when asked for the JSON execution plan (tests of the state check). */
  executionPlan: ((request: SubmitRequest) => string | undefined) | undefined;
  private readonly callWaiters: Array<{ call: string; resolve: () => void }> = [];

  private triggers = new Map<string, FakeTrigger>();
  private counter = 0;
  now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Resolves once `call` (e.g. `"submit"`) has been made, at once if it already was: lets a test
   * wait for the lifecycle to reach a call instead of sleeping.
   */
  waitForCall(call: string): Promise<void> {
    if (this.calls.includes(call)) return Promise.resolve();
    return new Promise((resolve) => this.callWaiters.push({ call, resolve }));
  }

  private check(call: string): void {
    this.calls.push(call);
    for (const waiter of this.callWaiters.filter((w) => w.call === call)) {
      this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (!this.reachable) {
      throw new FlinkError("FLINK_UNREACHABLE", "connect ECONNREFUSED (fake)", {
        urls: [this.endpoints.restUrl, this.endpoints.sqlGatewayUrl],
      });
    }
  }

  private job(id: string): FakeJob {
    const job = this.jobs.get(id);
    if (!job) throw new FlinkError("JOB_NOT_FOUND", `Job ${id} not found`);
    return job;
  }

  private nextId(): string {
    this.counter++;
    return this.counter.toString(16).padStart(32, "0");
  }

  async submit(request: SubmitRequest): Promise<{ jobId: string }> {
    this.check("submit");
    if (this.failNextSubmit) {
      const error = this.failNextSubmit;
      this.failNextSubmit = undefined;
      throw error;
    }
    if (this.hangSubmit) return new Promise(() => undefined);
    await request.beforeExecute?.();
    this.submissions.push(request);
    const id = this.addJob(request.settings["pipeline.name"] ?? "anonymous", this.initialState, request);
    const restore = request.settings["execution.state-recovery.path"];
    if (restore && this.incompatibleSavepoints.has(restore)) {
      this.failJob(
        id,
        `java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint ${restore}. Cannot map checkpoint/savepoint state for operator 1 to the new program`,
      );
    }
    return { jobId: id };
  }

  async explain(request: SubmitRequest, options: { details?: readonly string[] } = {}): Promise<string> {
    this.check("explain");
    const graph = options.details?.includes("JSON_EXECUTION_PLAN")
      ? this.executionPlan?.(request)
      : undefined;
    if (graph !== undefined) return graph;
    const problems = explainProblems(request.statements);
    for (const name of this.missingObjects) {
      if (request.statements.some((s) => s.sql.includes(`\`${name}\``)))
        problems.push(`Object '${name}' not found`);
    }
    if (problems.length > 0) throw new FlinkError("SQL_ERROR", problems.join("; "));
    return `== Abstract Syntax Tree ==\n${request.statements.map((s) => s.sql).join("\n")}`;
  }

  async listJobs(): Promise<FlinkJobSummary[]> {
    this.check("listJobs");
    return [...this.jobs.values()].map(({ id, name, state, startTime, endTime }) => ({
      id,
      name,
      state,
      startTime,
      endTime,
    }));
  }

  async getJob(jobId: string): Promise<FlinkJobSummary | undefined> {
    this.check("getJob");
    const job = this.jobs.get(jobId);
    return (
      job && { id: job.id, name: job.name, state: job.state, startTime: job.startTime, endTime: job.endTime }
    );
  }

  async exceptions(jobId: string): Promise<FlinkException[]> {
    this.check("exceptions");
    return [...this.job(jobId).exceptionList];
  }

  async stopWithSavepoint(jobId: string, _options: { drain: boolean }): Promise<{ triggerId: string }> {
    this.check("stopWithSavepoint");
    return this.trigger(jobId, true);
  }

  async triggerSavepoint(jobId: string): Promise<{ triggerId: string }> {
    this.check("triggerSavepoint");
    return this.trigger(jobId, false);
  }

  private trigger(jobId: string, stop: boolean): { triggerId: string } {
    const job = this.job(jobId);
    if (job.state !== "RUNNING") throw new FlinkError("SAVEPOINT_FAILED", `Job ${jobId} is ${job.state}`);
    const triggerId = `trigger-${this.nextId()}`;
    const trigger: FakeTrigger = {
      jobId,
      stop,
      pollsLeft: this.savepointPolls,
      path: `file:/tmp/fake-savepoints/savepoint-${jobId.slice(-6)}-${this.counter}`,
    };
    if (this.failNextSavepoint) trigger.fail = this.failNextSavepoint;
    if (this.failNextSavepointTransiently) {
      trigger.fail = this.failNextSavepointTransiently;
      trigger.transient = true;
    }
    this.failNextSavepoint = undefined;
    this.failNextSavepointTransiently = undefined;
    this.triggers.set(triggerId, trigger);
    return { triggerId };
  }

  async pollSavepoint(jobId: string, triggerId: string): Promise<SavepointStatus> {
    this.check("pollSavepoint");
    const trigger = this.triggers.get(triggerId);
    if (!trigger || trigger.jobId !== jobId)
      throw new FlinkError("FLINK_ERROR", `unknown trigger ${triggerId}`);
    if (trigger.pollsLeft > 0) {
      trigger.pollsLeft--;
      return { status: "IN_PROGRESS" };
    }
    if (trigger.fail)
      return { status: "FAILED", reason: trigger.fail, retryable: trigger.transient ?? false };
    const job = this.job(jobId);
    if (!job.checkpoints.some((c) => c.path === trigger.path)) {
      job.checkpoints.push({ path: trigger.path, isSavepoint: true, completedAt: this.now() });
      if (trigger.stop) this.setState(jobId, "FINISHED");
    }
    return { status: "COMPLETED", path: trigger.path };
  }

  async cancel(jobId: string): Promise<void> {
    this.check("cancel");
    const job = this.job(jobId);
    if (!TERMINAL_FLINK_STATES.has(job.state)) this.setState(jobId, "CANCELED");
  }

  async latestCheckpoint(jobId: string): Promise<CheckpointInfo | undefined> {
    this.check("latestCheckpoint");
    return this.job(jobId).checkpoints.at(-1);
  }

  async readFlowMetrics(jobId: string, _query: FlowMetricsQuery): Promise<RawFlowMetrics> {
    this.check("readFlowMetrics");
    this.job(jobId);
    return this.flowMetrics.get(jobId) ?? { job: {}, vertices: [] };
  }

  async ping(): Promise<void> {
    this.check("ping");
  }

  // ---- test switches ----------------------------------------------------------------------

  /** Adds a job as if someone submitted it (a stray, or a job from before a crash). */
  addJob(name: string, state: string, request: SubmitRequest = { settings: {}, statements: [] }): string {
    const id = this.nextId();
    this.jobs.set(id, {
      id,
      name,
      state,
      startTime: this.now(),
      request,
      exceptionList: [],
      checkpoints: [],
    });
    return id;
  }

  setState(jobId: string, state: string): void {
    const job = this.job(jobId);
    job.state = state;
    if (TERMINAL_FLINK_STATES.has(state)) job.endTime = this.now();
  }

  failJob(jobId: string, message: string): void {
    this.job(jobId).exceptionList.unshift({ timestamp: this.now(), message });
    this.setState(jobId, "FAILED");
  }

  cancelOutside(jobId: string): void {
    this.setState(jobId, "CANCELED");
  }

  addCheckpoint(jobId: string, path: string): void {
    this.job(jobId).checkpoints.push({ path, isSavepoint: false, completedAt: this.now() });
  }

  activeJobs(name?: string): FakeJob[] {
    return [...this.jobs.values()].filter(
      (j) => !TERMINAL_FLINK_STATES.has(j.state) && (name === undefined || j.name === name),
    );
  }
}
