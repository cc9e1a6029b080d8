import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { healthSchema, readinessSchema } from "../schemas.ts";

/** `/healthz` (the process answers), `/readyz` (store and Flink reachable), `/metrics` (Prometheus). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/healthz",
    {
      config: { auth: "none" },
      schema: {
        tags: ["operations"],
        summary: "Liveness: the process answers",
        response: { 200: healthSchema },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: { auth: "none" },
      schema: {
        tags: ["operations"],
        summary: "Readiness: the job store and Flink (REST API and SQL Gateway) answer",
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const store = (() => {
        try {
          app.store.ping();
          return { ok: true };
        } catch (error) {
          return { ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      })();
      const tried = [app.flink.endpoints.restUrl, app.flink.endpoints.sqlGatewayUrl];
      let flink: { ok: boolean; detail?: string; tried: string[] } = { ok: true, tried };
      try {
        await app.flink.ping();
      } catch (error) {
        flink = { ok: false, detail: error instanceof Error ? error.message : String(error), tried };
      }
      const ready = store.ok && flink.ok;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? "ready" : "not-ready", checks: { store, flink } });
    },
  );

  app.get(
    "/metrics",
    {
      config: { auth: "none" },
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics",
        response: {
          200: {
            description: "Prometheus text exposition format",
            content: { "text/plain": { schema: z.string() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const body = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
};
