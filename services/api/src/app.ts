import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { authHook } from "./auth.ts";
import type { JobCompiler } from "./compiler/port.ts";
import type { ApiConfig } from "./config.ts";
import { errorHandler } from "./error-handler.ts";
import { ApiError, problemDocument } from "./errors.ts";
import type { FlinkPort } from "./flink/port.ts";
import type { TaskPublisher, ThemeCountsSource } from "./kafka.ts";
import type { LifecycleContext } from "./lifecycle/context.ts";
import { type ObservationResult, Reconciler } from "./lifecycle/reconciler.ts";
import { ApiMetrics } from "./metrics.ts";
import { enrichmentRoutes } from "./routes/enrichment.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { JobStore } from "./store/store.ts";

declare module "fastify" {
  interface FastifyInstance {
    config: ApiConfig;
    store: JobStore;
    flink: FlinkPort;
    compiler: JobCompiler;
    reconciler: Reconciler;
    metrics: ApiMetrics;
    lifecycle: LifecycleContext;
    themes: ThemeCountsSource | undefined;
    /** The last observation of Flink if fresh enough, else a new one. */
    observation(): Promise<ObservationResult>;
  }
}

export interface AppOptions {
  config: ApiConfig;
  flink: FlinkPort;
  compiler: JobCompiler;
  /** Defaults to a store opened at `config.dbPath`. */
  store?: JobStore;
  /** Publishes enrichment tasks to the enricher's task topic (the Kafka gateway in production). */
  tasks?: TaskPublisher;
  /** Source of GET /v1/themes/trending (the Kafka gateway in production). */
  themes?: ThemeCountsSource;
  /** Where job secrets are read from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  now?: () => number;
}

/**
 * The Sluice API as a Fastify plugin: external plugins (swagger), then decorators (config,
 * store, Flink port, compiler, reconciler, metrics), then hooks and routes. `server.ts` only
 * listens; tests call {@link buildApp} and `app.inject`.
 */
export const sluiceApp: FastifyPluginAsync<AppOptions> = async (app, options) => {
  const { config, flink, compiler } = options;
  const now = options.now ?? Date.now;
  const store = options.store ?? JobStore.open(config.dbPath);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Sluice API",
        description:
          "Control plane for real-time pipelines on Apache Flink and Apache Kafka. Mutating routes need " +
          "`Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.",
        version: "1.0.0",
      },
      tags: [
        { name: "jobs", description: "Streaming jobs: create, upgrade, stop, start, savepoints, events" },
        { name: "enrichment", description: "LLM enrichment tasks and their results" },
        { name: "operations", description: "Health, readiness and metrics" },
      ],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });

  const lifecycle: LifecycleContext = {
    store,
    flink,
    compiler,
    tasks: options.tasks,
    config,
    env: options.env ?? process.env,
    log: app.log,
    now,
  };
  const reconciler = new Reconciler(lifecycle, { intervalMs: config.reconcileIntervalMs });
  const metrics = new ApiMetrics({ store, reconciler, restartLimit: config.restartLimit });

  app.decorate("config", config);
  app.decorate("store", store);
  app.decorate("flink", flink);
  app.decorate("compiler", compiler);
  app.decorate("lifecycle", lifecycle);
  app.decorate("themes", options.themes);
  app.decorate("reconciler", reconciler);
  app.decorate("metrics", metrics);
  app.decorate("observation", async (): Promise<ObservationResult> => {
    const last = reconciler.last;
    const maxAge = config.reconcileIntervalMs;
    if (last && config.reconcileIntervalMs > 0 && now() - last.at < maxAge) return last;
    return reconciler.observe();
  });

  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser(["text/plain"]);
  app.setErrorHandler(errorHandler);
  // Remember every route's path pattern, to answer 405 (with Allow) for a known path and another method.
  const routePatterns: Array<{ pattern: RegExp; method: string }> = [];
  app.addHook("onRoute", (route) => {
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, "[^/]+").replace(/\*/g, ".*")}/?$`);
    for (const method of [route.method].flat()) routePatterns.push({ pattern, method });
  });
  /** 405 (with Allow) for a known path and another method, else 404; both problem+json. */
  const unmatched = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = [...new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      const error = new ApiError(
        "METHOD_NOT_ALLOWED",
        `${request.method} is not allowed on ${path}; use ${allowed.join(", ")}`,
      );
      return reply
        .code(405)
        .header("allow", allowed.join(", "))
        .type("application/problem+json")
        .send(problemDocument(error));
    }
    const error = new ApiError("NOT_FOUND", `No route ${request.method} ${path}`);
    return reply.code(404).type("application/problem+json").send(problemDocument(error));
  };
  app.setNotFoundHandler(unmatched);
  // Answer unmatched requests before their body is parsed (a QUERY without a content type would
  // otherwise be a 400) and before authentication.
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.url === undefined) return unmatched(request, reply);
  });
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
  await app.register(enrichmentRoutes, { prefix: "/v1" });

  app.addHook("onReady", async () => {
    reconciler.start();
  });
  app.addHook("onClose", async () => {
    await reconciler.stop();
    if (!options.store) store.close();
  });
};
// Decorators and hooks apply to the instance that registers the plugin (what fastify-plugin does).
(sluiceApp as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;

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
