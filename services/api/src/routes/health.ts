import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { healthSchema, readinessSchema } from "../schemas.ts";

/** Options of an operations route: open to everyone (probes and scrapers carry no token). */
function probe<Response>(summary: string, response: Response) {
  return { config: { auth: "none" as const }, schema: { tags: ["operations"], summary, response } };
}

/** Runs a check; a failure is `{ ok: false, detail }` instead of an exception. */
async function check(run: () => unknown): Promise<{ ok: boolean; detail?: string }> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** `/healthz` (the process answers), `/readyz` (store and Flink reachable), `/metrics` (Prometheus). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get("/healthz", probe("Liveness: the process answers", { 200: healthSchema }), async () => ({
    status: "ok" as const,
  }));

  app.get(
    "/readyz",
    probe("Readiness: the job store and Flink (REST API and SQL Gateway) answer", {
      200: readinessSchema,
      503: readinessSchema,
    }),
    async (_request, reply) => {
      const store = await check(() => app.store.ping());
      const tried = [app.flink.endpoints.restUrl, app.flink.endpoints.sqlGatewayUrl];
      const flink = { ...(await check(() => app.flink.ping())), tried };
      const ready = store.ok && flink.ok;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? "ready" : "not-ready", checks: { store, flink } });
    },
  );

  app.get(
    "/metrics",
    probe("Prometheus metrics", {
      200: {
        description: "Prometheus text exposition format",
        content: { "text/plain": { schema: z.string() } },
      },
    }),
    async (_request, reply) => {
      const body = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
};
