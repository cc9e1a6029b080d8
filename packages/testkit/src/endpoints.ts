import { endpointsOf, type StackEndpoints, stackSettings } from "@sluice/stack";

export type { StackEndpoints };

/**
 * Endpoints of the Flink + Kafka stack the integration tests run against.
 * `SLUICE_FLINK_REST_URL`, `SLUICE_SQL_GATEWAY_URL` and `SLUICE_KAFKA_BROKERS`
 * (comma-separated) win; otherwise the native launcher's ports (`SLUICE_*_PORT`,
 * defaults 8081, 8083, 9092) on 127.0.0.1.
 *
 * @example
 *   const { flinkRestUrl, sqlGatewayUrl, kafkaBrokers } = stackEndpoints();
 *   // "http://127.0.0.1:8081", "http://127.0.0.1:8083", ["127.0.0.1:9092"]
 */
export function stackEndpoints(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  const launcher = endpointsOf(stackSettings(env));
  return {
    flinkRestUrl: (env.SLUICE_FLINK_REST_URL || launcher.flinkRestUrl).replace(/\/+$/, ""),
    sqlGatewayUrl: (env.SLUICE_SQL_GATEWAY_URL || launcher.sqlGatewayUrl).replace(/\/+$/, ""),
    kafkaBrokers: env.SLUICE_KAFKA_BROKERS
      ? env.SLUICE_KAFKA_BROKERS.split(",")
          .map((b) => b.trim())
          .filter(Boolean)
      : launcher.kafkaBrokers,
  };
}

/** True when any endpoint was given explicitly (then the tests must not start a local stack). */
export function endpointsAreExplicit(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.SLUICE_FLINK_REST_URL || env.SLUICE_SQL_GATEWAY_URL || env.SLUICE_KAFKA_BROKERS);
}
