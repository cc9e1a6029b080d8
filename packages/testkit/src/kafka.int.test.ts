import { afterAll, describe, expect, it } from "vitest";
import { consumeAll, createTopic, deleteTopics, kafkaClient, produceJson, uniqueName } from "./index.ts";

// The broker the launcher starts must support transactions on a single node
// (the enricher and Flink's exactly-once sink depend on it), and the helpers
// must read committed data only by default.
describe("kafka helpers against the real broker", () => {
  const topics: string[] = [];
  afterAll(() => deleteTopics(topics));

  it("round-trips keyed JSON records", async () => {
    const topic = uniqueName("testkit_roundtrip");
    topics.push(topic);
    await createTopic(topic, 2);
    const records = [
      { device_id: "d1", temperature: 99.5 },
      { device_id: "d2", temperature: 101 },
      { device_id: "d1", temperature: 102 },
    ];
    await produceJson(topic, records, { key: "device_id" });

    const out = await consumeAll(topic, { expected: 3 });
    expect(
      out.map((r) => r.value).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([...records].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    // Same key, same partition.
    const d1 = out.filter((r) => r.key === "d1");
    expect(new Set(d1.map((r) => r.partition)).size).toBe(1);
  });

  it("hides aborted transactions from read_committed consumers", async () => {
    const topic = uniqueName("testkit_tx");
    topics.push(topic);
    await createTopic(topic);
    const producer = kafkaClient().producer({
      transactionalId: uniqueName("testkit_tx_producer"),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: JSON.stringify({ n: "aborted" }) }] });
      await aborted.abort();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: JSON.stringify({ n: "committed" }) }] });
      await committed.commit();
    } finally {
      await producer.disconnect();
    }

    const committedView = await consumeAll(topic, { idleMs: 2_000 });
    expect(committedView.map((r) => r.value)).toEqual([{ n: "committed" }]);
    const uncommittedView = await consumeAll(topic, { idleMs: 2_000, isolation: "read_uncommitted" });
    expect(uncommittedView.map((r) => r.value)).toEqual([{ n: "aborted" }, { n: "committed" }]);
  });
});
