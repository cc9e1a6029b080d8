/**
 * The Sluice API's client: openapi-fetch over the types openapi-typescript generates from the
 * API's OpenAPI document (`src/generated/openapi.ts`, `npm run generate:api-client`), plus the
 * base URL, the bearer token, a timeout and problem+json errors.
 *
 * @example
 * ```ts
 * const api = createSluiceClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.SLUICE_API_TOKEN });
 * const job = await unwrap(api.GET("/v1/jobs/{name}", { params: { path: { name: "orders" } } }));
 * job.state; // "RUNNING"
 * ```
 */
import createClient, { type Client } from "openapi-fetch";
import { ApiProblemError, ApiUnreachableError, asProblem, connectionReason } from "./errors.ts";
import type { components, paths } from "./generated/openapi.ts";

export {
  ApiProblemError,
  ApiUnreachableError,
  type ProblemDocument,
  type ProblemItem,
  SluiceClientError,
  type SluiceClientErrorCode,
} from "./errors.ts";
export type { components, paths } from "./generated/openapi.ts";

type Schemas = components["schemas"];
export type Job = Schemas["Job"];
export type JobSummary = Schemas["JobSummary"];
export type JobList = Schemas["JobList"];
export type DryRun = Schemas["DryRun"];
export type JobEvent = Schemas["Event"];
export type Operation = Schemas["Operation"];
export type Savepoint = Schemas["Savepoint"];
export type CompiledStatement = Schemas["CompiledStatement"];
export type Flow = Schemas["Flow"];
export type Condition = Schemas["Condition"];
export type StateCompatibility = Schemas["StateCompatibility"];
export type UpgradePlan = Schemas["UpgradePlan"];
export type LifecycleState = Job["state"];

export type SluiceClient = Client<paths>;

/** The request body of `POST /v1/jobs` and `PUT /v1/jobs/{name}`: a job spec. */
export type JobSpecBody = NonNullable<
  paths["/v1/jobs"]["post"]["requestBody"]
>["content"]["application/json"];

/**
 * A job spec (a `JobSpec` of `@sluice/flink-jobs`, or one read from a job file) as a request body.
 * The API validates it and answers INVALID_SPEC with its problems; the client does not repeat
 * that check.
 */
export function specBody(spec: { name: string }): JobSpecBody {
  return spec as unknown as JobSpecBody;
}

export interface SluiceClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request (read routes may need it too). */
  token?: string | undefined;
  /** Per-request bound; a request without an answer by then is {@link ApiUnreachableError}. Default 30 s. */
  timeoutMs?: number;
  /** Defaults to the global fetch (undici, built into Node). */
  fetch?: typeof fetch;
}

/** A client whose requests throw {@link ApiUnreachableError} when the API cannot be reached. */
export function createSluiceClient(options: SluiceClientOptions): SluiceClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send = options.fetch ?? fetch;
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return createClient<paths>({
    baseUrl,
    headers,
    fetch: async (request) => {
      try {
        return await send(request, {
          signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (error) {
        throw new ApiUnreachableError(baseUrl, connectionReason(error, timeoutMs), error);
      }
    },
  });
}

/** What an openapi-fetch call resolves to (the fields {@link unwrap} reads). */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The body of a 2xx answer; any other answer throws {@link ApiProblemError} with its problem
 * document. `status` tells 200 (nothing to do) from 202 (an operation started).
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  return (await answer(call)).body;
}

/** {@link unwrap} with the HTTP status of the answer. */
export async function answer<T>(call: Promise<FetchResult<T>>): Promise<{ status: number; body: T }> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiProblemError(asProblem(response.status, response.statusText, error));
  return { status: response.status, body: data as T };
}

/**
 * Every job: `GET /v1/jobs` page after page (following `nextCursor`), as one list. The strays
 * are the last page's (every page lists them).
 *
 * @example
 * ```ts
 * const { jobs } = await allJobs(api);
 * ```
 */
export async function allJobs(api: SluiceClient): Promise<JobList> {
  const jobs: JobSummary[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await unwrap(api.GET("/v1/jobs", { params: { query: cursor ? { cursor } : {} } }));
    jobs.push(...page.jobs);
    if (!page.nextCursor) return { ...page, jobs };
    cursor = page.nextCursor;
  }
}
