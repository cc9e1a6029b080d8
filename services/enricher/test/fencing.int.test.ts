/**
 * The fencing mechanism itself, provoked deterministically: while member A holds a chunk,
 * another producer initialises the same transactional id (what the partition's next
 * owner does). A's commit must then fail without making anything visible, and A must
 * recover by itself (new producer, same chunk again): the output holds each record once.
 */
import {
  consumeAll,
  createTopics,
  deleteTopics,
  kafkaClient,
  produceRaw,
  stackEndpoints,
  uniqueName,
  waitFor,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chunk, KafkaGateway, type OutputRecord } from "../src/kafka/index.ts";

describe("transactional id per input partition", () => {
  const input = uniqueName("fencing_in");
  const output = uniqueName("fencing_out");
  beforeAll(async () => {
    await createTopics([
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
  });
  afterAll(async () => {
    await deleteTopics([input, output]);
  });

  it("a fenced producer cannot commit, and the member recovers with exactly-once output", async () => {
    const count = 40;
    await produceRaw(
      input,
      Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ id: `k${i}` }) })),
    );
    const groupId = uniqueName("fencing_group");
    const transactionalId = `${groupId}-tx-0`;
    const gateway = new KafkaGateway(
      {
        brokers: stackEndpoints().kafkaBrokers,
        clientId: "fencing-test",
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 1000,
        rebalanceTimeoutMs: 8000,
        transactionTimeoutMs: 60_000,
      },
      { log: () => {} },
    );
    let attempts = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let committed = 0;
    const consumer = await gateway.runTransactional({
      groupId,
      topic: input,
      transactionalId: () => transactionalId,
      chunkSize: 100,
      partitionsConcurrently: 1,
      handle: async (chunk: Chunk): Promise<OutputRecord[]> => {
        attempts += 1;
        const attempt = attempts;
        if (attempt === 1) await released; // the first attempt stalls until fenced
        return chunk.records.map((r) => ({
          topic: output,
          key: r.key,
          value: JSON.stringify({ ...JSON.parse(r.value?.toString("utf8") ?? "{}"), attempt }),
        }));
      },
      onCommitted: (chunk) => {
        committed += chunk.records.length;
      },
    });
    const fencer = kafkaClient("fencer").producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await waitFor(() => attempts === 1, {
        timeout: 120_000,
        description: "the first attempt holding the chunk",
      });
      // The transactional InitProducerId (kafkajs runs it at the first transaction):
      // bumps the epoch, fencing the member's producer.
      await fencer.connect();
      await (await fencer.transaction()).abort();
      release();
      await waitFor(() => committed >= count, { timeout: 90_000, description: "the chunk committed" });
      const records = await consumeAll(output);
      const values = records.map((r) => r.value as { id: string; attempt: number });
      expect(values.filter((v) => v.attempt === 1)).toEqual([]);
      expect(values.map((v) => v.id).sort()).toEqual(Array.from({ length: count }, (_, i) => `k${i}`).sort());
      expect(attempts).toBeGreaterThanOrEqual(2);
    } finally {
      release();
      await consumer.stop().catch(() => {});
      await fencer.disconnect().catch(() => {});
      await gateway.close();
    }
  });
});
