import type { Redact } from "./errors.ts";
import { type HttpTransport, UndiciTransport } from "./http.ts";
import {
  DEFAULT_RETRY_POLICY,
  type RetryEnvironment,
  type RetryPolicy,
  realRetryEnvironment,
  withRetry,
} from "./retry.ts";

/** Options both Flink clients take: where Flink is, time bounds, retries, redaction. */
export interface FlinkHttpClientOptions {
  /** The REST endpoint; each client has its default port on 127.0.0.1. */
  baseUrl?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Applied to every Flink message put in an error. */
  redact?: Redact;
  /** Replaces the undici transport (tests). */
  transport?: HttpTransport;
  /** Replaces timers and randomness (tests). */
  environment?: RetryEnvironment;
}

/**
 * What the Flink REST client and the SQL Gateway client share: the transport and one retry
 * policy that retries only retryable errors (idempotent requests on any of them; a request that
 * creates something only when Flink certainly did not process it, see `shouldRetry`). Each
 * client adds its requests on top.
 */
export abstract class FlinkHttpClient {
  readonly http: HttpTransport;
  readonly #retry: RetryPolicy;
  readonly #env: RetryEnvironment;

  protected constructor(options: FlinkHttpClientOptions, defaultBaseUrl: string) {
    this.http =
      options.transport ??
      new UndiciTransport(options.baseUrl ?? defaultBaseUrl, {
        requestTimeoutMs: options.requestTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        redact: options.redact,
      });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#env = options.environment ?? realRetryEnvironment;
  }

  /** Runs one protocol request under the retry policy; `idempotent` requests retry on any transient error. */
  protected call<T>(attempt: () => Promise<T>, idempotent: boolean): Promise<T> {
    return withRetry(attempt, this.#retry, { idempotent, env: this.#env });
  }

  /** The retry environment (timers), for polling loops that wait between requests. */
  protected get env(): RetryEnvironment {
    return this.#env;
  }
}
