import { Kafka, logLevel } from "kafkajs";
import type { StackEndpoints } from "./settings.ts";

async function getJson(url: string, timeoutMs = 2_000): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/** The JobManager's REST API answers. */
export async function flinkRestReady(flinkRestUrl: string): Promise<boolean> {
  try {
    await getJson(`${flinkRestUrl}/config`);
    return true;
  } catch {
    return false;
  }
}

/** A TaskManager is registered with the JobManager and offers slots. */
export async function taskManagerReady(flinkRestUrl: string): Promise<boolean> {
  try {
    const overview = (await getJson(`${flinkRestUrl}/overview`)) as Record<string, unknown>;
    return Number(overview.taskmanagers) >= 1 && Number(overview["slots-total"]) >= 1;
  } catch {
    return false;
  }
}

/** A TaskManager as the JobManager lists it (`GET /taskmanagers`). */
export interface RegisteredTaskManager {
  /** Its resource id (`taskmanager.resource-id`; the launcher names it after the component). */
  id: string;
  slots: number;
  freeSlots: number;
}

/**
 * The TaskManagers registered with the JobManager, or undefined when it does not
 * answer. A TaskManager that died stays listed until its heartbeat times out.
 */
export async function registeredTaskManagers(
  flinkRestUrl: string,
): Promise<RegisteredTaskManager[] | undefined> {
  try {
    const body = (await getJson(`${flinkRestUrl}/taskmanagers`)) as {
      taskmanagers?: Record<string, unknown>[];
    };
    return (body.taskmanagers ?? []).map((tm) => ({
      id: String(tm.id),
      slots: Number(tm.slotsNumber),
      freeSlots: Number(tm.freeSlots),
    }));
  } catch {
    return undefined;
  }
}

/** The SQL Gateway answers `GET /v4/info` (its REST API version on Flink 2.2). */
export async function sqlGatewayReady(sqlGatewayUrl: string): Promise<boolean> {
  try {
    const info = (await getJson(`${sqlGatewayUrl}/v4/info`)) as Record<string, unknown>;
    return typeof info.productName === "string";
  } catch {
    return false;
  }
}

/** The broker answers a metadata request. */
export async function kafkaReady(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: "sluice-stack-probe",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length >= 1;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Which of a stack's endpoints answer right now. */
export async function probeStack(endpoints: StackEndpoints) {
  const [flink, taskManager, sqlGateway, kafka] = await Promise.all([
    flinkRestReady(endpoints.flinkRestUrl),
    taskManagerReady(endpoints.flinkRestUrl),
    sqlGatewayReady(endpoints.sqlGatewayUrl),
    kafkaReady(endpoints.kafkaBrokers),
  ]);
  return { flink, taskManager, sqlGateway, kafka, all: flink && taskManager && sqlGateway && kafka };
}
