import { ApiProblemError, ApiUnreachableError, type ProblemDocument } from "./errors.ts";

/**
 * The only module of the CLI that speaks HTTP. It sends the bearer token on every request (read
 * routes need it too when the API runs with `SLUICE_API_READ_AUTH=true`), turns every error
 * status into an {@link ApiProblemError} and every connection failure into an
 * {@link ApiUnreachableError}. The token is never part of a message, a URL or an error.
 *
 * @example
 * ```ts
 * const api = new ApiClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.SLUICE_API_TOKEN });
 * const { body } = await api.request<JobList>("GET", "/v1/jobs");
 * ```
 */
export interface ApiClientOptions {
  baseUrl: string;
  token?: string | undefined;
  /** Per-request bound; a request without an answer by then counts as "unreachable". */
  timeoutMs?: number;
  /** Injected in tests; defaults to the global fetch (undici, built into Node). */
  fetch?: typeof fetch;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export type Query = Record<string, string | number | boolean | undefined>;

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token === "" ? undefined : options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Sends one request; resolves only for 2xx answers. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<ApiResponse<T>> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(options.body);
    }

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ApiUnreachableError(this.baseUrl, connectionReason(error, this.#timeoutMs), error);
    }

    const body = parseBody(text, response.headers.get("content-type"));
    if (response.status >= 400)
      throw new ApiProblemError(asProblem(response.status, response.statusText, body, text));
    return { status: response.status, body: body as T };
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return undefined;
  if (contentType?.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The API answers problem+json; anything else in front of it (a proxy, another server) gets a synthesized one. */
function asProblem(status: number, statusText: string, body: unknown, text: string): ProblemDocument {
  if (typeof body === "object" && body !== null && typeof (body as ProblemDocument).code === "string") {
    const problem = body as ProblemDocument;
    return { ...problem, status: typeof problem.status === "number" ? problem.status : status };
  }
  const title = statusText || `HTTP ${status}`;
  return {
    type: "about:blank",
    title,
    status,
    code: `HTTP_${status}`,
    detail: text === "" ? title : text.slice(0, 500).trim(),
  };
}

/** A short, human reason from fetch's nested errors (`ECONNREFUSED`, timeout, DNS). */
function connectionReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}
