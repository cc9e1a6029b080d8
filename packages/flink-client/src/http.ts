import { Pool } from "undici";
import type { z } from "zod";
import { extractFlinkMessage, FlinkClientError, type FlinkClientErrorCode, type Redact } from "./errors.ts";

/** One HTTP request to a Flink endpoint; `path` is relative to the endpoint's base URL. */
export interface HttpRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** The status and the JSON body (or raw text when it is not JSON) of an answer. */
export interface HttpResponse {
  status: number;
  body: unknown;
  url: string;
}

/**
 * What the protocol modules need from HTTP. The undici implementation is
 * {@link UndiciTransport}; unit tests point it at a local fake server.
 */
export interface HttpTransport {
  readonly baseUrl: string;
  readonly redact: Redact;
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Bound of one request, connection included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Bound of opening the TCP connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** Pooled connections per endpoint. Default 4. */
  connections?: number;
  redact?: Redact;
}

const identity: Redact = (message) => message;

/** Connection errors where the request never reached Flink. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);
/** Connection errors after the request may have been sent. */
const BROKEN_CONNECTION_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, name, errors } = error as { code?: unknown; name?: unknown; errors?: unknown };
  if (typeof code === "string") return code;
  if (name === "TimeoutError" || name === "AbortError") return "TIMEOUT";
  // Happy-eyeballs connection attempts fail with an AggregateError of per-address errors.
  if (Array.isArray(errors)) return errors.map(errorCodeOf).find((c) => c !== undefined);
  return undefined;
}

/** Maps an undici/Node network error to the client's error family. */
export function networkError(error: unknown, url: string): FlinkClientError {
  const code = errorCodeOf(error);
  if (code !== undefined && NOT_SENT_CODES.has(code)) {
    return new FlinkClientError("FLINK_UNREACHABLE", `Flink is unreachable at ${url} (${code})`, {
      url,
      notSent: true,
      cause: error,
    });
  }
  if (code !== undefined && BROKEN_CONNECTION_CODES.has(code)) {
    return new FlinkClientError("FLINK_UNREACHABLE", `Connection to Flink at ${url} was lost (${code})`, {
      url,
      cause: error,
    });
  }
  if (code === "TIMEOUT" || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new FlinkClientError("FLINK_TIMEOUT", `Flink did not answer in time at ${url}`, {
      url,
      cause: error,
    });
  }
  return new FlinkClientError(
    "FLINK_UNREACHABLE",
    `Request to Flink at ${url} failed (${code ?? "unknown"})`,
    {
      url,
      cause: error,
    },
  );
}

/**
 * An {@link HttpTransport} over an undici `Pool` bound to one Flink endpoint.
 *
 * @example
 * ```ts
 * const http = new UndiciTransport("http://127.0.0.1:8081", { requestTimeoutMs: 10_000 });
 * const { status, body } = await http.send({ method: "GET", path: "/overview" });
 * ```
 */
export class UndiciTransport implements HttpTransport {
  readonly baseUrl: string;
  readonly redact: Redact;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #requestTimeoutMs: number;

  constructor(baseUrl: string, options: TransportOptions = {}) {
    const parsed = new URL(baseUrl);
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#prefix = parsed.pathname.replace(/\/+$/, "");
    this.redact = options.redact ?? identity;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#pool = new Pool(parsed.origin, {
      connections: options.connections ?? 4,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      headersTimeout: this.#requestTimeoutMs,
      bodyTimeout: this.#requestTimeoutMs,
    });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const search = request.query ? `?${new URLSearchParams(request.query).toString()}` : "";
    const path = `${this.#prefix}${request.path}${search}`;
    const url = `${new URL(this.baseUrl).origin}${path}`;
    try {
      const response = await this.#pool.request({
        method: request.method,
        path,
        headers:
          request.body === undefined
            ? { accept: "application/json" }
            : { accept: "application/json", "content-type": "application/json" },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.#requestTimeoutMs),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: parseJson(text), url };
    } catch (error) {
      throw networkError(error, url);
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Flink's error bodies are `{"errors": ["...", "<stack trace>"]}`; anything else becomes one line. */
export function flinkErrorsOf(body: unknown): string[] {
  if (typeof body === "object" && body !== null && Array.isArray((body as { errors?: unknown }).errors)) {
    return (body as { errors: unknown[] }).errors.map(String);
  }
  if (typeof body === "string" && body !== "") return [body];
  return [];
}

/**
 * Builds the error for a non-2xx answer. `code` overrides the default mapping
 * (502/503/504 unavailable, other 4xx rejected, other 5xx failed).
 */
export function httpError(
  http: HttpTransport,
  response: HttpResponse,
  what: string,
  code?: FlinkClientErrorCode,
): FlinkClientError {
  const flinkErrors = flinkErrorsOf(response.body).map(http.redact);
  const flinkMessage = extractFlinkMessage(flinkErrors);
  const status = response.status;
  const resolved: FlinkClientErrorCode =
    code ??
    (status === 502 || status === 503 || status === 504
      ? "FLINK_UNAVAILABLE"
      : status >= 400 && status < 500
        ? "REQUEST_REJECTED"
        : "OPERATION_FAILED");
  const detail = flinkMessage ?? `HTTP ${status}`;
  return new FlinkClientError(resolved, `${what} failed: ${detail}`, {
    status,
    flinkMessage,
    flinkErrors,
    url: response.url,
  });
}

/** Whether Flink's answer is a success. */
export function isOk(response: HttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/**
 * Checks the status, then parses the body with `schema`; a body of another
 * shape is a BAD_RESPONSE naming what was expected.
 */
export function parseResponse<S extends z.ZodType>(
  http: HttpTransport,
  response: HttpResponse,
  schema: S,
  what: string,
): z.infer<S> {
  if (!isOk(response)) throw httpError(http, response, what);
  const result = schema.safeParse(response.body);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
      .join("; ");
    throw new FlinkClientError("BAD_RESPONSE", `${what}: unexpected response from Flink (${issues})`, {
      status: response.status,
      url: response.url,
      cause: result.error,
    });
  }
  return result.data;
}

/** Percent-encodes one path segment (ids come from callers and from Flink). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
