import Fastify, { type FastifyInstance } from "fastify";
import type { EnricherMetrics } from "./metrics.ts";

/** What the probes report. */
export interface HealthState {
  kafkaConnected: () => boolean;
  /** Names of tasks running, or why none is. */
  tasks: () => string[];
  cacheLoaded: () => boolean;
}

/**
 * The small HTTP server: `/metrics` (Prometheus text), `/healthz` (the process
 * answers), `/readyz` (Kafka connected, cache loaded, at least one task running).
 */
export async function startHttpServer(
  metrics: EnricherMetrics,
  health: HealthState,
  host: string,
  port: number,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const checks = {
      kafka: health.kafkaConnected(),
      cache: health.cacheLoaded(),
      tasks: health.tasks(),
    };
    const ready = checks.kafka && checks.cache && checks.tasks.length > 0;
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", ...checks });
  });
  app.get("/metrics", async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  const address = await app.listen({ host, port });
  return { app, url: address };
}
