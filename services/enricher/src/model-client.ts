import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { ModelCallError } from "./errors.ts";
import {
  type CustomReply,
  type CustomRequest,
  customResponseSchema,
  customSystemPrompt,
  customUserMessage,
  type ModelClient,
  type ModelReply,
  type Parsed,
  parseCustomContent,
  parseThemesContent,
  systemPrompt,
  THEMES_RESPONSE_SCHEMA,
  type ThemesReply,
  type ThemesRequest,
  type TokenUsage,
  userMessage,
} from "./model-protocol.ts";
import { parseRateLimitHeaders, type RateLimitInfo } from "./rate-limit.ts";

/** Options of the OpenAI-compatible client. */
export interface OpenAIModelClientOptions {
  baseURL: string;
  apiKey: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

/**
 * The Chat Completions implementation (OpenAI, Azure OpenAI, vLLM, Ollama, or the
 * project's model server). The package's own retries are off (`maxRetries: 0`): the
 * enricher's controller is the only one that retries, so it sees every 429.
 */
export class OpenAIModelClient implements ModelClient {
  readonly #client: OpenAI;
  readonly #timeoutMs: number;

  constructor(options: OpenAIModelClientOptions) {
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
    this.#timeoutMs = options.timeoutMs;
  }

  async extractThemes(request: ThemesRequest): Promise<ThemesReply> {
    const reply = await this.#complete(
      request.model,
      systemPrompt(request.maxThemes),
      userMessage(request.maxThemes, request.records),
      "review_themes",
      THEMES_RESPONSE_SCHEMA as unknown as Record<string, unknown>,
      request.signal,
    );
    return withMeta(parseThemesContent(reply.content, reply.finishReason, reply.refusal), reply);
  }

  async extractCustom(request: CustomRequest): Promise<CustomReply> {
    const reply = await this.#complete(
      request.model,
      customSystemPrompt(request.prompt),
      customUserMessage(request.records),
      "record_results",
      customResponseSchema(request.outputSchema),
      request.signal,
    );
    return withMeta(parseCustomContent(reply.content, reply.finishReason, reply.refusal), reply);
  }

  /** One Chat Completions call with a strict JSON-schema response format. */
  async #complete(
    model: string,
    system: string,
    user: string,
    schemaName: string,
    schema: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<Completion> {
    let data: OpenAI.Chat.Completions.ChatCompletion;
    let headers: Headers;
    try {
      const result = await this.#client.chat.completions
        .create(
          {
            model,
            temperature: 0,
            messages: [
              { role: "system", content: system },
              { role: "user", content: user },
            ],
            response_format: {
              type: "json_schema",
              json_schema: { name: schemaName, strict: true, schema },
            },
          },
          { signal, timeout: this.#timeoutMs },
        )
        .withResponse();
      data = result.data;
      headers = result.response.headers;
    } catch (error) {
      throw classifyError(error);
    }
    const usage: TokenUsage | undefined = data.usage
      ? { promptTokens: data.usage.prompt_tokens, completionTokens: data.usage.completion_tokens }
      : undefined;
    const choice = data.choices?.[0];
    return {
      content: choice?.message?.content,
      finishReason: choice?.finish_reason,
      refusal: choice?.message?.refusal,
      usage,
      rateLimit: parseRateLimitHeaders(headers),
    };
  }
}

/** Maps the openai package's errors onto the retry policy's codes. */
export function classifyError(error: unknown): ModelCallError {
  if (error instanceof ModelCallError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelCallError("timeout", "model request timed out", { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ModelCallError("connection", `model connection failed: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const rateLimit = parseRateLimitHeaders(error.headers);
    const message = `model answered HTTP ${status}`;
    const opts = { status, rateLimit, cause: error };
    if (status === 429) return new ModelCallError("rate_limited", message, opts);
    if (status === 401 || status === 403 || status === 404) {
      return new ModelCallError("provider_config", message, opts);
    }
    if (status === 400 || status === 413 || status === 422) {
      return new ModelCallError("rejected", message, opts);
    }
    return new ModelCallError("server_error", message, opts);
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new ModelCallError("timeout", "model request aborted", { cause: error });
  }
  return new ModelCallError("connection", `model call failed: ${String(error)}`, { cause: error });
}

/** What one completion call returns, before its content is checked. */
interface Completion {
  content: string | null | undefined;
  finishReason: string | null | undefined;
  refusal: string | null | undefined;
  usage: TokenUsage | undefined;
  rateLimit: RateLimitInfo;
}

function withMeta<Result>(parsed: Parsed<Result>, completion: Completion): ModelReply<Result> {
  const usage = completion.usage ? { usage: completion.usage } : {};
  return { ...parsed, rateLimit: completion.rateLimit, ...usage };
}
