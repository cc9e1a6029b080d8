import { setTimeout as sleep } from "node:timers/promises";
import type { JobSpec } from "@sluice/flink-jobs";

/** A job as `GET /v1/jobs/{name}` shows it (the fields the demo reads). */
export interface ApiJob {
  name: string;
  version: number;
  desiredState: "RUNNING" | "STOPPED";
  state: string;
  reason?: string;
  flinkJobId: string | null;
  flinkState: string | null;
  savepoints?: { path: string; kind: string; reason: string; createdAt: string }[];
  lastOperation?: { kind: string; status: string; error: string | null } | null;
}

/** An answer of the API that was not what the demo asked for. */
export class ApiCallError extends Error {
  override readonly name = "ApiCallError";
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code: string | undefined) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * A small client of the Sluice API, just the routes the demo uses.
 *
 * @example
 *   const api = new SluiceApi("http://127.0.0.1:8080", token);
 *   await api.deploy(sensorAnomalies()); // create, or resume from the latest savepoint
 */
export class SluiceApi {
  readonly #base: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#base = baseUrl;
    this.#token = token;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error message.
    }
    if (response.status >= 400) {
      const problem = parsed as { title?: string; detail?: string; code?: string };
      throw new ApiCallError(
        response.status,
        `${method} ${path}: ${response.status} ${problem.detail ?? problem.title ?? String(text).slice(0, 300)}`,
        problem.code,
      );
    }
    return { status: response.status, body: parsed as T };
  }

  /** `true` once `/healthz` answers. */
  async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.#base}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  async listJobs(): Promise<ApiJob[]> {
    return (await this.#call<{ jobs: ApiJob[] }>("GET", "/v1/jobs")).body.jobs;
  }

  async getJob(name: string): Promise<ApiJob> {
    return (await this.#call<ApiJob>("GET", `/v1/jobs/${name}`)).body;
  }

  /**
   * Makes the job run its spec: creates it, or upgrades it when the stored spec differs, then
   * starts it when it is stopped (from its latest savepoint, the API's default).
   * Returns what was done, for the progress log.
   */
  async deploy(spec: JobSpec): Promise<string> {
    let answer: { status: number; body: ApiJob };
    try {
      answer = await this.#call<ApiJob>("POST", "/v1/jobs", spec);
      if (answer.status === 202) return "created";
    } catch (error) {
      if (!(error instanceof ApiCallError) || error.status !== 409) throw error;
      // Same name, another spec (the job definitions changed since the last run): upgrade.
      answer = await this.#call<ApiJob>("PUT", `/v1/jobs/${spec.name}`, spec);
      if (answer.status === 202) return `upgrading to version ${answer.body.version}`;
    }
    const job = answer.body;
    if (job.desiredState === "STOPPED" || job.state === "FAILED") {
      await this.#call("POST", `/v1/jobs/${spec.name}/start`, { from: "latest" });
      const latest = job.savepoints?.[0]?.path;
      return latest ? `resuming from savepoint ${latest}` : "starting (no savepoint recorded)";
    }
    return "already running";
  }

  /** Asks for stop-with-savepoint; `false` when the job was already stopped. */
  async stop(name: string, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { status } = await this.#call("POST", `/v1/jobs/${name}/stop`, { mode: "savepoint" });
        return status === 202;
      } catch (error) {
        // 409: another operation (a submission still in flight) must finish first.
        if (!(error instanceof ApiCallError) || error.status !== 409 || Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  }

  async enrichmentTasks(): Promise<{ job: string; task: Record<string, unknown> }[]> {
    return (
      await this.#call<{ tasks: { job: string; task: Record<string, unknown> }[] }>(
        "GET",
        "/v1/enrichment-tasks",
      )
    ).body.tasks;
  }

  /**
   * Polls the job until `done` holds, or throws after `timeoutMs` with the last state seen.
   * A job that stays FAILED for `failedGraceMs` stops the wait early (the API may show FAILED for
   * a moment right after a submission, before Flink lists the new job).
   */
  async waitFor(
    name: string,
    done: (job: ApiJob) => boolean,
    timeoutMs: number,
    what: string,
    failedGraceMs = 20_000,
  ): Promise<ApiJob> {
    const deadline = Date.now() + timeoutMs;
    let last: ApiJob | undefined;
    let failedSince: number | undefined;
    for (;;) {
      try {
        last = await this.getJob(name);
        if (done(last)) return last;
        failedSince = last.state === "FAILED" ? (failedSince ?? Date.now()) : undefined;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (failedSince !== undefined && Date.now() - failedSince > failedGraceMs) {
        throw new Error(`${name} FAILED: ${last?.reason ?? last?.lastOperation?.error ?? "no reason given"}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${name} not ${what} after ${Math.round(timeoutMs / 1000)}s (state ${last?.state ?? "?"}${last?.reason ? `: ${last.reason}` : ""})`,
        );
      }
      await sleep(1000);
    }
  }
}
