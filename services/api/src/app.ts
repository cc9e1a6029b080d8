import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import fp from "fastify-plugin";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { authHook } from "./auth.ts";
import type { ApiConfig } from "./config.ts";
import { errorHandler } from "./error-handler.ts";
import { openApi } from "./plugins/openapi.ts";
import { type ServiceOptions, services } from "./plugins/services.ts";
import { unmatchedRequests } from "./plugins/unmatched.ts";
import { enrichmentRoutes } from "./routes/enrichment.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobActionRoutes } from "./routes/job-actions.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { planRoutes } from "./routes/plan.ts";

export type AppOptions = ServiceOptions;

/**
 * The Sluice API as a Fastify plugin: external plugins (OpenAPI, Swagger UI), then the app's own
 * decorators (config, store, Flink port, compiler, reconciler, metrics, commands), then hooks
 * and routes. `server.ts` only listens; tests call {@link buildApp} and `app.inject`.
 */
export const sluiceApp = fp<AppOptions>(
  async (app, options) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(openApi);
    await app.register(services, options);

    // JSON only: a text/plain body is a 415, not a string that fails validation.
    app.removeContentTypeParser(["text/plain"]);
    app.setErrorHandler(errorHandler);
    await app.register(unmatchedRequests);
    const { config, metrics } = app;
    app.addHook(
      "onRequest",
      authHook({ enabled: config.authEnabled, readAuth: config.readAuth, tokenHashes: config.tokenHashes }),
    );
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });

    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
    await app.register(healthRoutes);
    await app.register(jobRoutes, { prefix: "/v1" });
    await app.register(jobActionRoutes, { prefix: "/v1" });
    await app.register(enrichmentRoutes, { prefix: "/v1" });
    await app.register(planRoutes, { prefix: "/v1" });
  },
  { name: "sluice-app" },
);

/** Fastify options shared by the server and tests: body limit, pino redaction. */
export function fastifyOptions(
  config: ApiConfig,
  logger: FastifyServerOptions["logger"] = true,
): FastifyServerOptions {
  return {
    bodyLimit: config.bodyLimitBytes,
    // Long path parameters reach the schema (a 400 problem) instead of the router's bare 414.
    maxParamLength: 2048,
    logger:
      logger === false
        ? false
        : {
            level: config.logLevel,
            redact: {
              paths: [
                "req.headers.authorization",
                "headers.authorization",
                "request.headers.authorization",
                "*.password",
                "*.secret",
                "*.token",
              ],
              censor: "[redacted]",
            },
          },
    // Never trust client-supplied ids in logs; keep Fastify's own.
    requestIdHeader: false,
  };
}

/**
 * Builds a ready-to-inject app.
 *
 * @example
 * ```ts
 * const app = await buildApp({ config, flink: new FakeFlink(), compiler });
 * const res = await app.inject({ method: "GET", url: "/v1/jobs" });
 * ```
 */
export async function buildApp(
  options: AppOptions & { logger?: FastifyServerOptions["logger"] },
): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(options.config, options.logger ?? false));
  await app.register(sluiceApp, options);
  await app.ready();
  return app;
}
