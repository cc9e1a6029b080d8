import type { ComponentKind } from "../component.ts";
import { sqlGatewayReady } from "../readiness.ts";
import { endpointsOf } from "../settings.ts";
import { flinkComponent } from "./flink-process.ts";

/** The Flink SQL Gateway: plans statements and submits them to the session cluster. */
export const sqlGateway: ComponentKind = (settings) => [
  flinkComponent(settings, {
    name: "sql-gateway",
    process: "sql-gateway",
    ports: [["Flink SQL Gateway", settings.ports.sqlGateway]],
    ready: () => sqlGatewayReady(endpointsOf(settings).sqlGatewayUrl),
  }),
];
