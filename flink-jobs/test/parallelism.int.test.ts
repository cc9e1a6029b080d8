/**
 * The same results at parallelism 1 and 2, for every flagship job (flink-jobs/jobs, `flagshipJobs()`),
 * on the REAL stack: each job runs twice at once over the same multi-partition input topics, once at
 * parallelism 1 and once at 2 (each into its own output topics), and the outputs, read with a
 * read_committed consumer, are compared as multisets (key and value text of every record).
 *
 * Why the outputs can be equal at all: every per-key computation (OVER windows, models, temporal
 * joins, running counts) sees its key's records in one order whatever the parallelism, because a
 * key's records sit in one partition, in event-time order; watermarks are per partition, and every
 * partition ends with a far-future "flush" record, so no record is late at either parallelism and no
 * idle partition holds a window open. Trade files (filesystem, not a flagship of `flagshipJobs`)
 * are not here. review-themes runs without the enricher: its enriched topic is fed directly, as
 * pipelines.int does.
 *
 * Jobs run as slots allow (3 per flagship: 1 + 2); tiny inputs (shared with pipelines.int through
 * flagship-inputs.ts). Run: npx vitest run --project integration flink-jobs/test/parallelism.int.test.ts
 */
import { NAB_DEVICE_ID, nabEpochMillis, nabSensorReadings, type SensorReading } from "@sluice/datasets";
import { compileJob, type JobSpec } from "@sluice/flink-jobs";
import {
  type ConsumedRecord,
  consumedRecord,
  jobTrouble,
  kafkaClient,
  produceRaw,
  type RawRecord,
  StackResources,
  sqlTimestamp,
  stackEndpoints,
  stackFlinkClient,
  uniqueName,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clicksWithProducts } from "../jobs/clicks-with-products.ts";
import { reviewThemes } from "../jobs/review-themes.ts";
import { sensorAnomalies } from "../jobs/sensor-anomalies.ts";
import { sensorDetectors } from "../jobs/sensor-detectors.ts";
import { sensorForecast } from "../jobs/sensor-forecast.ts";
import { sensorZscore } from "../jobs/sensor-zscore.ts";
import { transactionsHourly } from "../jobs/transactions-hourly.ts";
import {
  HOUR,
  MINUTE,
  onMarch1,
  sampleProductsAndClicks,
  sampleReviews,
  sampleTransactions,
  transactionLine,
} from "./flagship-inputs.ts";

const bootstrapServers = stackEndpoints().kafkaBrokers.join(",");
const flink = stackFlinkClient();
const PARALLELISMS = [1, 2] as const;
/** A flagship may wait for its turn at the slots (see `slotTurn`): the waiting counts towards its timeout. */
const CASE_TIMEOUT_MS = 480_000;

/** How many flagships run at once: each takes 1 + 2 slots; the rest of the cluster is left to others. */
let concurrent = 1;
let running = 0;
const waiting: (() => void)[] = [];

async function slotTurn<T>(work: () => Promise<T>): Promise<T> {
  while (running >= concurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

beforeAll(async () => {
  const overview = await flink.rest.overview();
  concurrent = Math.max(1, Math.min(3, Math.floor((overview["slots-available"] - 2) / 3)));
  console.info(
    `[parallelism] ${overview["slots-available"]} free slots: ${concurrent} flagship(s) at a time`,
  );
});

afterAll(async () => {
  await flink.close();
});

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/** One flagship, both runs: its input topics (already written) and its sinks. */
interface FlagshipCase {
  /** The flagship's spec writing its sinks into `outputs` (sink table -> topic); the harness sets its parallelism. */
  spec: (outputs: Record<string, string>) => JobSpec;
  /** The sink tables compared (their topics are made per run). */
  sinks: string[];
  /**
   * Per sink, how many records must come out, where the input says (checked at both parallelisms:
   * an input or output written twice would show); the other sinks need at least one.
   */
  known: Record<string, number>;
}

/**
 * Runs `flagship` at parallelism 1 and 2 at once, reads every sink of both until they hold the same
 * number of records (at least the known minimum) and stopped growing, and returns the sinks' records
 * per parallelism.
 */
async function runAtBothParallelisms(
  stack: StackResources,
  flagship: FlagshipCase,
): Promise<Record<string, ConsumedRecord[][]>> {
  const runs = await Promise.all(
    PARALLELISMS.map(async (parallelism) => {
      const outputs = Object.fromEntries(flagship.sinks.map((s) => [s, uniqueName(`${s}_p${parallelism}`)]));
      await stack.createTopics(Object.values(outputs).map((topic) => ({ topic, partitions: 2 })));
      const base = flagship.spec(outputs);
      // Own name per run: its Kafka group ids and transactional ids must not collide with the other's.
      const spec = { ...base, name: `${base.name}-p${parallelism}`, parallelism };
      const jobId = await stack.runJob(compileJob(spec), `it-parallelism-${spec.name}-${uniqueName("run")}`);
      const vertices = (await flink.rest.getJob(jobId)).vertices.map((v) => v.parallelism);
      expect(Math.max(...vertices), `${spec.name}: vertex parallelism ${vertices}`).toBe(parallelism);
      return { jobId, outputs };
    }),
  );
  const readers = runs.flatMap((run) => flagship.sinks.map((sink) => reader(run.outputs[sink] ?? "")));
  try {
    await settle(
      flagship,
      readers,
      runs.map((r) => r.jobId),
    );
  } finally {
    await Promise.all(readers.map((r) => r.stop()));
  }
  const n = flagship.sinks.length;
  return Object.fromEntries(
    flagship.sinks.map((sink, i) => [sink, PARALLELISMS.map((_, p) => readers[p * n + i]?.records ?? [])]),
  );
}

interface SinkReader {
  records: ConsumedRecord[];
  stop: () => Promise<void>;
}

/** Reads a topic from the beginning, read_committed, into `records` until stopped. */
function reader(topic: string): SinkReader {
  const consumer = kafkaClient().consumer({
    groupId: uniqueName("sluice_parallelism"),
    readUncommitted: false,
  });
  const records: ConsumedRecord[] = [];
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        records.push(consumedRecord(message, partition));
      },
    });
  })();
  return {
    records,
    stop: async () => {
      await started.catch(() => undefined);
      await consumer.disconnect();
    },
  };
}

/**
 * Waits until, for every sink, both runs hold the same number of records, at least the known
 * minimum, unchanged for 4 s; fails early with a job's own exception. After 120 s it returns,
 * and the comparison shows what differs.
 */
async function settle(flagship: FlagshipCase, readers: SinkReader[], jobIds: string[]): Promise<void> {
  const n = flagship.sinks.length;
  const deadline = Date.now() + 120_000;
  let last = "";
  let stableSince = Date.now();
  for (let tick = 1; Date.now() < deadline; tick++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const counts = readers.map((r) => r.records.length);
    const now = counts.join(",");
    if (now !== last) [last, stableSince] = [now, Date.now()];
    const balanced = flagship.sinks.every((sink, i) => {
      const [p1, p2] = [counts[i] ?? 0, counts[n + i] ?? 0];
      return p1 === p2 && p1 >= (flagship.known[sink] ?? 1);
    });
    if (balanced && Date.now() - stableSince >= 4_000) return;
    if (tick % 5 === 0) {
      for (const jobId of jobIds) {
        const trouble = await jobTrouble(flink, jobId);
        if (trouble !== undefined) throw new Error(`records per sink ${now}, then ${trouble}`);
      }
    }
  }
}

/** A record as compared: its key and its value exactly as written. */
const recordText = (r: ConsumedRecord) => `${r.key ?? ""} => ${r.raw ?? "<tombstone>"}`;

/** Asserts that each sink got the same multiset of records at both parallelisms; logs the counts. */
function expectSameMultisets(
  name: string,
  outputs: Record<string, ConsumedRecord[][]>,
  known: Record<string, number>,
): void {
  for (const [sink, [p1 = [], p2 = []]] of Object.entries(outputs)) {
    console.info(`[parallelism] ${name} ${sink}: ${p1.length} records at parallelism 1, ${p2.length} at 2`);
    expect(p1.length, `${name} ${sink}`).toBeGreaterThan(0);
    if (known[sink] !== undefined) expect(p1.length, `${name} ${sink}`).toBe(known[sink]);
    expect(p2.map(recordText).sort(), `${name} ${sink}`).toEqual(p1.map(recordText).sort());
  }
}

/** Runs one flagship at both parallelisms (in its turn for slots), compares, cleans up. */
async function sameAtBothParallelisms(name: string, flagship: FlagshipCase): Promise<void> {
  const stack = new StackResources(flink);
  try {
    const outputs = await slotTurn(() => runAtBothParallelisms(stack, flagship));
    expectSameMultisets(name, outputs, flagship.known);
  } finally {
    await stack.cleanUp();
  }
}

/** Topics shared by the flagships that read them, deleted after the file. */
const inputs = new StackResources(flink);
afterAll(() => inputs.cleanUp());

async function inputTopic(prefix: string, partitions: number, records: RawRecord[]): Promise<string> {
  const topic = uniqueName(prefix);
  await inputs.createTopics([{ topic, partitions }]);
  // Dead letters of the flagships' sources (none expected) go to `<topic>.dlq`, created on first use.
  inputs.track(`${topic}.dlq`);
  await produceRaw(topic, records);
  return topic;
}

// ---------------------------------------------------------------------------
// Sensor flagships: one 4-partition topic, one device per partition
// ---------------------------------------------------------------------------

/**
 * A reading's time as the job's `sensor_data` table declares its `timestamp` field: text, or a
 * typed time (`epoch-millis`, `epoch-seconds`, `iso-8601`, `sql`).
 */
function timestampField(spec: JobSpec, ms: number): string | number {
  const table = spec.tables.find((t) => t.name === "sensor_data");
  const column = table?.columns.find((c) => (c.kind === "time" ? c.field : c.name) === "timestamp");
  if (column?.kind === "time") {
    if (column.format === "epoch-millis") return ms;
    if (column.format === "epoch-seconds") return Math.floor(ms / 1000);
    if (column.format === "iso-8601") return new Date(ms).toISOString();
  }
  if (column?.kind === "physical" && column.type.kind === "BIGINT") return ms;
  return sqlTimestamp(ms);
}

/** A sensor reading with its time in epoch milliseconds; written as the job declares its time field. */
interface Reading {
  device_id: string;
  ms: number;
  temperature: number;
}

/** Milliseconds of a NAB reading's time, whether the dataset gives text (UTC) or epoch milliseconds. */
const readingMillis = (r: SensorReading): number =>
  typeof r.timestamp === "number" ? r.timestamp : nabEpochMillis(r.timestamp);

/**
 * Four devices, one per partition, each in time order: 400 NAB readings, the same in °C half an
 * hour out of step, the same with a 40 °F spike every 37th reading, and a boiler crossing 100 °F;
 * then a far-future flush reading on every partition.
 */
function sensorReadings(): { partition: number; reading: Reading }[] {
  const nab = nabSensorReadings()
    .slice(0, 400)
    .map((r) => ({ device_id: NAB_DEVICE_ID, ms: readingMillis(r), temperature: r.temperature }));
  const variant = (device: string, f: (t: number, i: number) => number, offset = 0): Reading[] =>
    nab.map((r, i) => ({ device_id: device, ms: r.ms + offset, temperature: f(r.temperature, i) }));
  const base = nab[0]?.ms ?? 0;
  const boiler = [98.5, 100, 100.000001, 101.25, 99.9, 150.5, -5, 100.5, 72, 212].map((temperature, i) => ({
    device_id: "synthetic-boiler",
    ms: base + i * 15 * MINUTE,
    temperature,
  }));
  const devices = [
    nab,
    variant("office-2-celsius", (t) => ((t - 32) * 5) / 9, 30 * MINUTE),
    variant("office-3-spiky", (t, i) => (i % 37 === 36 ? t + 40 : t)),
    boiler,
  ];
  const flushAt = base + 365 * 24 * HOUR;
  return devices.flatMap((readings, partition) =>
    [...readings, { device_id: `flush-${partition}`, ms: flushAt, temperature: 70 }].map((reading) => ({
      partition,
      reading,
    })),
  );
}

describe("sensor flagships at parallelism 1 and 2", () => {
  const readings = sensorReadings();
  const flushes = 4;
  let sensorTopic = "";

  beforeAll(async () => {
    // The time field's shape comes from the job (all sensor flagships read the same `sensor_data`).
    const spec = sensorAnomalies();
    sensorTopic = await inputTopic(
      "sensor_data_4p",
      4,
      readings.map(({ partition, reading }) => ({
        partition,
        key: reading.device_id,
        value: JSON.stringify({
          device_id: reading.device_id,
          timestamp: timestampField(spec, reading.ms),
          temperature: reading.temperature,
        }),
      })),
    );
  });

  it.concurrent(
    "sensor-anomalies: the same alerts",
    async () => {
      const hot = readings.filter(({ reading }) => reading.temperature > 100).length;
      await sameAtBothParallelisms("sensor-anomalies", {
        spec: (out) =>
          sensorAnomalies({ inputTopic: sensorTopic, outputTopic: out.sensor_anomalies, bootstrapServers }),
        sinks: ["sensor_anomalies"],
        known: { sensor_anomalies: hot },
      });
    },
    CASE_TIMEOUT_MS,
  );

  it.concurrent(
    "sensor-zscore: the same rolling z-scores (OVER window per device)",
    async () => {
      await sameAtBothParallelisms("sensor-zscore", {
        spec: (out) =>
          sensorZscore({ inputTopic: sensorTopic, outputTopic: out.sensor_zscores, bootstrapServers }),
        sinks: ["sensor_zscores"],
        known: {},
      });
    },
    CASE_TIMEOUT_MS,
  );

  it.concurrent(
    "sensor-forecast: the same forecasts of the online model, per device",
    async () => {
      await sameAtBothParallelisms("sensor-forecast", {
        spec: (out) =>
          sensorForecast({ inputTopic: sensorTopic, outputTopic: out.sensor_forecasts, bootstrapServers }),
        sinks: ["sensor_forecasts"],
        // Every reading but the flushes gets its forecast.
        known: { sensor_forecasts: readings.length - flushes },
      });
    },
    CASE_TIMEOUT_MS,
  );

  it.concurrent(
    "sensor-detectors: the same detections (EWMA, robust, forecaster)",
    async () => {
      await sameAtBothParallelisms("sensor-detectors", {
        spec: (out) =>
          sensorDetectors({ inputTopic: sensorTopic, outputTopic: out.sensor_detections, bootstrapServers }),
        sinks: ["sensor_detections"],
        known: {},
      });
    },
    CASE_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------
// transactions-hourly, clicks-with-products, review-themes
// ---------------------------------------------------------------------------

describe("business flagships at parallelism 1 and 2", () => {
  it.concurrent(
    "transactions-hourly: the same hourly sums and counts (4 partitions)",
    async () => {
      const start = Date.UTC(2024, 2, 1, 8, 0, 0);
      const transactions = sampleTransactions(start);
      const flush = { date: sqlTimestamp(start + 48 * HOUR), cents: 100_000, user_id: "flush" };
      // Round robin over 4 partitions: each partition stays in time order.
      const records = [
        ...transactions.map((tx, i) => ({ partition: i % 4, value: transactionLine(tx) })),
        ...[0, 1, 2, 3].map((partition) => ({ partition, value: transactionLine(flush) })),
      ];
      const topic = await inputTopic("transactions_4p", 4, records);
      const hours = new Set(transactions.filter((tx) => tx.cents >= 1_000).map((tx) => tx.date.slice(0, 13)));
      await sameAtBothParallelisms("transactions-hourly", {
        spec: (out) =>
          transactionsHourly({ inputTopic: topic, outputTopic: out.transactions_hourly, bootstrapServers }),
        sinks: ["transactions_hourly"],
        known: { transactions_hourly: hours.size },
      });
    },
    CASE_TIMEOUT_MS,
  );

  it.concurrent(
    "clicks-with-products: the same temporal join results (2 partitions per side)",
    async () => {
      const { products, clicks } = sampleProductsAndClicks();
      const partitionOf = (productId: string) => Number(productId.replace(/\D/g, "") || 0) % 2;
      const flushProducts = [0, 1].map((partition) => ({
        product_id: `p-flush-${partition}`,
        name: "flush",
        category: "none",
        price: 0,
        updated_at: onMarch1(23, 59),
      }));
      const productsTopic = await inputTopic(
        "products_2p",
        2,
        [...products, ...flushProducts].map((p, i) => ({
          partition: i < products.length ? partitionOf(p.product_id) : i - products.length,
          key: JSON.stringify({ product_id: p.product_id }),
          value: JSON.stringify(p),
        })),
      );
      const flushClicks = [0, 1].map((partition) => ({
        click_id: `c-flush-${partition}`,
        user_id: "u-flush",
        product_id: "p-none",
        click_time: onMarch1(23, 59),
      }));
      const clicksTopic = await inputTopic(
        "clicks_2p",
        2,
        [...clicks, ...flushClicks].map((c, i) => ({ partition: i % 2, value: JSON.stringify(c) })),
      );
      const joined = clicks.filter((c) =>
        products.some((p) => p.product_id === c.product_id && p.updated_at <= c.click_time),
      );
      await sameAtBothParallelisms("clicks-with-products", {
        spec: (out) =>
          clicksWithProducts({
            clicksTopic,
            productsTopic,
            outputTopic: out.enriched_clicks,
            bootstrapServers,
          }),
        sinks: ["enriched_clicks"],
        known: { enriched_clicks: joined.length },
      });
    },
    CASE_TIMEOUT_MS,
  );

  it.concurrent(
    "review-themes: the same requests, windowed and running theme counts (2 partitions)",
    async () => {
      const start = Date.UTC(2024, 2, 1, 9, 0, 0);
      const { reviews, enriched } = sampleReviews(start);
      const flushes = [0, 1].map((partition) => ({
        review_id: `r-flush-${partition}`,
        product_id: "p-flush",
        review_text: "Lovely!",
        created_at: sqlTimestamp(start + 24 * HOUR),
        themes: [] as string[],
      }));
      const keyed = (r: { review_id: string }, i: number, partition = i % 2) => ({
        partition,
        key: JSON.stringify({ review_id: r.review_id }),
        value: JSON.stringify(r),
      });
      const reviewsTopic = await inputTopic(
        "product_reviews_2p",
        2,
        reviews.map((r, i) => keyed(r, i)),
      );
      const enrichedTopic = await inputTopic("product_reviews_with_themes_2p", 2, [
        ...enriched.map((r, i) => keyed(r, i)),
        ...flushes.map((r, partition) => keyed(r, partition, partition)),
      ]);
      const rows = enriched.flatMap((r) =>
        r.themes.map((t) => `${r.created_at.slice(0, 13)} ${t.toLowerCase()}`),
      );
      await sameAtBothParallelisms("review-themes", {
        spec: (out) =>
          reviewThemes({
            reviewsTopic,
            enrichedTopic,
            requestTopic: out.review_requests,
            windowedCountsTopic: out.theme_counts_windowed,
            totalCountsTopic: out.theme_counts_total,
            bootstrapServers,
          }),
        sinks: ["review_requests", "theme_counts_windowed", "theme_counts_total"],
        known: {
          review_requests: reviews.length,
          theme_counts_windowed: new Set(rows).size,
          // Every (review, theme) row updates its theme's running count once.
          theme_counts_total: rows.length,
        },
      });
    },
    CASE_TIMEOUT_MS,
  );
});
