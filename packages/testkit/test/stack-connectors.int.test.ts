import { afterAll, describe, expect, it } from "vitest";
import {
  consumeAll,
  createTopics,
  deleteTopics,
  produceJson,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "../src/index.ts";

// The stack's Flink can read and write Kafka through the SQL Gateway, and
// Flink's exactly-once Kafka sink commits its transactions on this broker.
// Plain fetch on purpose: this checks the stack, not @sluice/flink-client.

const { sqlGatewayUrl, flinkRestUrl, kafkaBrokers } = stackEndpoints();

async function call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json).slice(0, 2000)}`);
  return json;
}

/** Runs one statement in the session and returns its first result page (with `jobID` for an INSERT). */
async function execute(session: string, statement: string): Promise<Record<string, unknown>> {
  const base = `${sqlGatewayUrl}/v4/sessions/${session}`;
  const { operationHandle } = await call("POST", `${base}/statements`, { statement });
  return waitFor(
    async () => {
      const page = await call("GET", `${base}/operations/${operationHandle}/result/0?rowFormat=JSON`);
      return page.resultType === "NOT_READY" ? undefined : page;
    },
    { timeout: 60_000, description: `the result of: ${statement.slice(0, 60)}` },
  );
}

describe("Flink SQL with the Kafka connector on the stack", () => {
  const input = uniqueName("stack_readings");
  const output = uniqueName("stack_hot_readings");
  let jobId: string | undefined;

  afterAll(async () => {
    if (jobId) await fetch(`${flinkRestUrl}/jobs/${jobId}?mode=cancel`, { method: "PATCH" }).catch(() => {});
    await deleteTopics([input, output]);
  });

  it("filters a Kafka topic into another with the exactly-once sink", async () => {
    await createTopics([input, output]);
    await produceJson(
      input,
      [
        { device_id: "d1", temperature: 99.5 },
        { device_id: "d2", temperature: 101.0 },
        { device_id: "d3", temperature: 120.25 },
      ],
      { key: "device_id" },
    );

    const { sessionHandle } = await call("POST", `${sqlGatewayUrl}/v4/sessions`, { sessionName: input });
    const session = String(sessionHandle);
    try {
      const kafka = `'connector' = 'kafka', 'properties.bootstrap.servers' = '${kafkaBrokers.join(",")}', 'format' = 'json'`;
      await execute(
        session,
        `CREATE TABLE readings (device_id STRING, temperature DOUBLE) WITH (${kafka}, 'topic' = '${input}',
           'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')`,
      );
      await execute(
        session,
        `CREATE TABLE hot (device_id STRING, temperature DOUBLE) WITH (${kafka}, 'topic' = '${output}',
           'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${output}')`,
      );
      const insert = await execute(
        session,
        "INSERT INTO hot SELECT device_id, temperature FROM readings WHERE temperature > 100",
      );
      jobId = String(insert.jobID);
      expect(jobId).toMatch(/^[0-9a-f]{32}$/);

      // Bounded source: the job finishes and commits its last transaction.
      const state = await waitFor(
        async () => {
          const job = await call("GET", `${flinkRestUrl}/jobs/${jobId}`);
          return ["FINISHED", "FAILED", "CANCELED"].includes(String(job.state))
            ? String(job.state)
            : undefined;
        },
        { timeout: 120_000, interval: 1_000, description: "the bounded job to end" },
      );
      expect(state).toBe("FINISHED");
    } finally {
      await call("DELETE", `${sqlGatewayUrl}/v4/sessions/${session}`).catch(() => {});
    }

    const committed = await consumeAll(output, { expected: 2, timeoutMs: 30_000 });
    expect(committed.map((r) => r.value)).toEqual([
      { device_id: "d2", temperature: 101.0 },
      { device_id: "d3", temperature: 120.25 },
    ]);
  });
});
