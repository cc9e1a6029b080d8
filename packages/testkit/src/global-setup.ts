/**
 * Vitest global setup of the `integration` project: the tests run against a
 * real Flink session cluster and Kafka broker.
 *
 * - If the stack's endpoints (see `stackEndpoints()`) answer, they are used as they are.
 * - Otherwise the native launcher (infra/stack) starts the missing components
 *   and teardown stops exactly those (set SLUICE_KEEP_STACK=1 to leave them running).
 */
import { probeStack, stackDown, stackSettings, stackUp } from "@sluice/stack";
import { endpointsAreExplicit, stackEndpoints } from "./endpoints.ts";

const log = (line: string) => console.log(`[sluice stack] ${line}`);

export default async function setup(): Promise<() => Promise<void>> {
  const endpoints = stackEndpoints();
  const probe = await probeStack(endpoints);
  if (probe.all) {
    log(
      `using the running stack: Flink ${endpoints.flinkRestUrl}, SQL Gateway ${endpoints.sqlGatewayUrl}, Kafka ${endpoints.kafkaBrokers.join(",")}`,
    );
    return async () => {};
  }
  if (endpointsAreExplicit()) {
    const down = Object.entries(probe)
      .filter(([name, ok]) => name !== "all" && !ok)
      .map(([name]) => name);
    throw new Error(
      `the stack given by SLUICE_FLINK_REST_URL / SLUICE_SQL_GATEWAY_URL / SLUICE_KAFKA_BROKERS does not answer (${down.join(", ")} down)`,
    );
  }
  const settings = stackSettings();
  log(`no running stack answers; starting one in ${settings.stateDir}`);
  const { started } = await stackUp(settings, log);
  return async () => {
    if (process.env.SLUICE_KEEP_STACK === "1" || started.length === 0) return;
    log(`stopping what the tests started: ${started.join(", ")}`);
    await stackDown(settings, log, started);
  };
}
