import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { hashToken } from "./config.ts";
import { ApiError } from "./errors.ts";

/** Which routes need a token: `write` always (when auth is on), `read` when SLUICE_API_READ_AUTH=true. */
export type RouteAuth = "write" | "read" | "none";

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/**
 * Checks `Authorization: Bearer <token>` against the configured token digests. Both sides are
 * SHA-256 digests, so `timingSafeEqual` compares equal lengths and the time taken does not
 * depend on where the tokens differ; every configured token is compared (no early exit).
 *
 * @example
 * ```ts
 * isAuthorized("Bearer s3cret-token", [hashToken("s3cret-token")]); // true
 * ```
 */
export function isAuthorized(header: string | undefined, tokenHashes: readonly Buffer[]): boolean {
  if (header === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  const presented = hashToken(match[1] as string);
  let ok = false;
  for (const expected of tokenHashes) {
    if (timingSafeEqual(presented, expected)) ok = true;
  }
  return ok;
}

export function authHook(options: { enabled: boolean; readAuth: boolean; tokenHashes: readonly Buffer[] }) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!options.enabled) return;
    const auth = request.routeOptions.config?.auth ?? "none";
    if (auth === "none" || (auth === "read" && !options.readAuth)) return;
    if (!isAuthorized(request.headers.authorization, options.tokenHashes)) {
      throw new ApiError("UNAUTHORIZED", "This route needs a valid 'Authorization: Bearer <token>' header", {
        extra: {},
      });
    }
  };
}
