import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ApiError, problemDocument } from "../errors.ts";

/**
 * Requests no route matches: 405 (with Allow) for a known path and another method, else 404;
 * both problem+json, answered before the body is parsed (a QUERY without a content type would
 * otherwise be a 400) and before authentication.
 */
export const unmatchedRequests = fp(
  async (app) => {
    const routePatterns: Array<{ pattern: RegExp; method: string }> = [];
    app.addHook("onRoute", (route) => {
      const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, "[^/]+").replace(/\*/g, ".*")}/?$`);
      for (const method of [route.method].flat()) routePatterns.push({ pattern, method });
    });
    const unmatched = (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split("?")[0] ?? "/";
      const allowed = [...new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method))];
      const error =
        allowed.length > 0
          ? new ApiError(
              "METHOD_NOT_ALLOWED",
              `${request.method} is not allowed on ${path}; use ${allowed.join(", ")}`,
            )
          : new ApiError("NOT_FOUND", `No route ${request.method} ${path}`);
      if (allowed.length > 0) reply.header("allow", allowed.join(", "));
      return reply.code(error.status).type("application/problem+json").send(problemDocument(error));
    };
    app.setNotFoundHandler(unmatched);
    app.addHook("onRequest", async (request, reply) => {
      if (request.routeOptions.url === undefined) return unmatched(request, reply);
    });
  },
  { name: "sluice-unmatched" },
);
