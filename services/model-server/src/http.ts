import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ModelServerError } from "./errors.ts";

const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Writes a JSON response with OpenAI's usual headers (unless one was already sent). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    "x-request-id": `req_${randomBytes(16).toString("hex")}`,
    "openai-version": "2020-10-01",
    ...headers,
  });
  res.end(payload);
}

/**
 * Checks `Authorization: Bearer <key>` against `apiKey` (with `timingSafeEqual`).
 *
 * @throws ModelServerError `missing_api_key` or `invalid_api_key`.
 */
export function checkBearer(req: IncomingMessage, apiKey: Buffer): void {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (!match?.[1]) {
    throw new ModelServerError(
      "missing_api_key",
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  const given = Buffer.from(match[1].trim());
  if (given.length !== apiKey.length || !timingSafeEqual(given, apiKey)) {
    // Unlike OpenAI, the given key is not echoed (not even masked): secrets never go in responses.
    throw new ModelServerError("invalid_api_key", "Incorrect API key provided.");
  }
}

/** The request body parsed as JSON, at most 8 MiB. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new ModelServerError(
        "body_too_large",
        `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`,
      );
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ModelServerError(
      "invalid_json",
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      { cause: error },
    );
  }
}
