import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (named schemas become
 * components), with Swagger UI at `/docs` (`app.ts` serves the document at `/openapi.json`).
 */
export const openApi = fp(
  async (app) => {
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
  },
  { name: "sluice-openapi" },
);
