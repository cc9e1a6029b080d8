import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiProblemError,
  answer,
  createSluiceClient,
  type Job,
  type JobSummary,
  type SluiceClient,
  specBody,
  unwrap,
} from "@sluice/api-client";
import type { JobSpec } from "@sluice/flink-jobs";

/** A job as `GET /v1/jobs/{name}` shows it. */
export type ApiJob = Job;
export type { JobSummary };

/**
 * The demo's use of the Sluice API (through `@sluice/api-client`): deploy a job, stop it, wait
 * for a state.
 *
 * @example
 *   const api = new SluiceApi("http://127.0.0.1:8080", token);
 *   await api.deploy(sensorAnomalies()); // create, or resume from the latest savepoint
 */
export class SluiceApi {
  readonly #api: SluiceClient;

  constructor(baseUrl: string, token: string) {
    this.#api = createSluiceClient({ baseUrl, token });
  }

  /** `true` once `/healthz` answers. */
  async healthy(): Promise<boolean> {
    try {
      return (await this.#api.GET("/healthz", { signal: AbortSignal.timeout(2000) })).response.ok;
    } catch {
      return false;
    }
  }

  async listJobs(): Promise<JobSummary[]> {
    return (await unwrap(this.#api.GET("/v1/jobs"))).jobs;
  }

  async getJob(name: string): Promise<ApiJob> {
    return unwrap(this.#api.GET("/v1/jobs/{name}", { params: { path: { name } } }));
  }

  /**
   * Makes the job run its spec: creates it, or upgrades it when the stored spec differs, then
   * starts it when it is stopped (from its latest savepoint, the API's default).
   * Returns what was done, for the progress log.
   */
  async deploy(spec: JobSpec): Promise<string> {
    const body = specBody(spec);
    const path = { name: spec.name };
    let reply: { status: number; body: ApiJob };
    try {
      reply = (await answer(this.#api.POST("/v1/jobs", { body }))) as typeof reply;
      if (reply.status === 202) return "created";
    } catch (error) {
      if (!(error instanceof ApiProblemError) || error.status !== 409) throw error;
      // Same name, another spec (the job definitions changed since the last run): upgrade.
      reply = await answer(this.#api.PUT("/v1/jobs/{name}", { params: { path }, body }));
      if (reply.status === 202) return `upgrading to version ${reply.body.version}`;
    }
    const job = reply.body;
    if (job.desiredState === "STOPPED" || job.state === "FAILED") {
      await unwrap(this.#api.POST("/v1/jobs/{name}/start", { params: { path }, body: { from: "latest" } }));
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
        const { status } = await answer(
          this.#api.POST("/v1/jobs/{name}/stop", { params: { path: { name } }, body: { mode: "savepoint" } }),
        );
        return status === 202;
      } catch (error) {
        // 409: another operation (a submission still in flight) must finish first.
        if (!(error instanceof ApiProblemError) || error.status !== 409 || Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  }

  async enrichmentTasks(): Promise<{ job: string; task: Record<string, unknown> }[]> {
    return (await unwrap(this.#api.GET("/v1/enrichment-tasks"))).tasks;
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

/**
 * Waits (at most 30 s) until every task of the Flink job runs. Flink refuses a savepoint while a
 * task is still deploying, and the API then keeps polling that failed trigger instead of
 * triggering again, so an early Ctrl-C would leave the job stuck in STOPPING.
 */
export async function tasksRunning(flinkRestUrl: string, flinkJobId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${flinkRestUrl}/jobs/${flinkJobId}`, {
        signal: AbortSignal.timeout(5000),
      });
      const job = (await response.json()) as { state?: string; vertices?: { status: string }[] };
      if (job.state !== "RUNNING" || (job.vertices ?? []).every((v) => v.status === "RUNNING")) return;
    } catch {
      return; // Flink unreachable: let the API report it.
    }
    await sleep(500);
  }
}
