import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { nabEpochMillis, nabSensorReadings, type SensorReading } from "@sluice/datasets";
import { BusinessEvents, sqlTimestamp } from "./generators.ts";
import type { DemoTopics } from "./jobs.ts";
import type { Outbox } from "./kafka.ts";

/**
 * Where the replay stands, kept in the state folder between runs so that a resumed demo keeps
 * event time moving forward (the jobs' windows and OVER aggregations drop late records).
 */
export interface TrafficPosition {
  /** How many runs used this state folder (ids of generated events include it). */
  run: number;
  /** Completed passes over the NAB series; each pass is shifted by the series' span. */
  sensorLap: number;
  /** Next NAB reading to send. */
  sensorIndex: number;
  /** Simulated business time (reviews, transactions, clicks), ms since the epoch. */
  businessClockMs: number;
}

export interface TrafficCounts {
  readings: number;
  reviews: number;
  transactions: number;
  clicks: number;
  productUpdates: number;
}

/** Records per wall-clock second, per stream. */
export interface TrafficRates {
  sensorPerSecond: number;
  reviewsPerSecond: number;
  transactionsPerSecond: number;
  clicksPerSecond: number;
}

export interface TrafficOptions {
  topics: DemoTopics;
  rates: TrafficRates;
  /** Simulated business seconds per wall-clock second. */
  timeScale: number;
  seed: number;
  positionFile: string;
}

const TICK_MS = 100;
const HOUR_MS = 3_600_000;

/** Reads the saved position, or the start of everything for a fresh state folder. */
export function loadPosition(file: string, now = Date.now()): TrafficPosition {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<TrafficPosition>;
    if (
      typeof saved.run === "number" &&
      typeof saved.sensorLap === "number" &&
      typeof saved.sensorIndex === "number" &&
      typeof saved.businessClockMs === "number"
    ) {
      return { ...(saved as TrafficPosition), run: saved.run + 1 };
    }
  }
  // Business time starts at the top of the current hour, so the first window is a whole one.
  return { run: 1, sensorLap: 0, sensorIndex: 0, businessClockMs: Math.floor(now / HOUR_MS) * HOUR_MS };
}

/**
 * The demo's producers: replays the NAB temperature series as `sensor_data` at
 * `rates.sensorPerSecond` readings a second (lap after lap, each shifted in time so event time
 * only moves forward), and generates reviews, transactions, clicks and product price changes
 * stamped with an accelerated business clock.
 *
 * @example
 *   const traffic = new Traffic(outbox, { topics, rates, timeScale: 360, seed: 42, positionFile });
 *   traffic.start();
 *   // ...
 *   await traffic.stop(); // saves the position for the next run
 */
export class Traffic {
  readonly #outbox: Outbox;
  readonly #options: TrafficOptions;
  readonly #readings: SensorReading[];
  readonly #lapShiftMs: number;
  readonly #events: BusinessEvents;
  readonly position: TrafficPosition;
  readonly counts: TrafficCounts = { readings: 0, reviews: 0, transactions: 0, clicks: 0, productUpdates: 0 };
  /** Fractional events owed by rate, carried from tick to tick. */
  readonly #owed = { readings: 0, reviews: 0, transactions: 0, clicks: 0, productUpdates: 0 };
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  #sending: Promise<void> = Promise.resolve();
  #error: Error | undefined;

  constructor(outbox: Outbox, options: TrafficOptions) {
    this.#outbox = outbox;
    this.#options = options;
    this.#readings = nabSensorReadings();
    const first = nabEpochMillis((this.#readings[0] as SensorReading).timestamp);
    const last = nabEpochMillis((this.#readings.at(-1) as SensorReading).timestamp);
    this.#lapShiftMs = last - first + HOUR_MS;
    this.position = loadPosition(options.positionFile);
    this.#events = new BusinessEvents(options.seed, this.position.run);
  }

  /** The NAB timestamp of the next reading (shifted by its lap), for the summary. */
  get sensorTime(): string {
    const reading = this.#readings[this.position.sensorIndex] ?? this.#readings[0];
    return sqlTimestamp(this.#shifted(reading as SensorReading)).slice(0, 16);
  }

  get businessTime(): string {
    return sqlTimestamp(this.position.businessClockMs).slice(0, 16);
  }

  /** The last send error, if the producers are failing (shown in the summary). */
  get error(): Error | undefined {
    return this.#error;
  }

  #shifted(reading: SensorReading): number {
    return nabEpochMillis(reading.timestamp) + this.position.sensorLap * this.#lapShiftMs;
  }

  /** Publishes the product catalogue, then starts the ticking producers. */
  async start(): Promise<void> {
    const { topics } = this.#options;
    const products = this.#events.catalogue(this.position.businessClockMs);
    await this.#outbox.send(
      topics.products,
      products.map((p) => ({ key: JSON.stringify({ product_id: p.product_id }), value: p })),
    );
    this.counts.productUpdates += products.length;
    this.#last = Date.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #tick(): void {
    const now = Date.now();
    const elapsedS = (now - this.#last) / 1000;
    this.#last = now;
    const { rates, topics, timeScale } = this.#options;
    const due = (kind: keyof TrafficCounts, perSecond: number) => {
      this.#owed[kind] += perSecond * elapsedS;
      const n = Math.floor(this.#owed[kind]);
      this.#owed[kind] -= n;
      return n;
    };

    const batch: { topic: string; messages: { key: string; value: unknown }[] }[] = [];
    const readings: { key: string; value: unknown }[] = [];
    for (let n = due("readings", rates.sensorPerSecond); n > 0; n--) {
      const reading = this.#readings[this.position.sensorIndex] as SensorReading;
      readings.push({
        key: reading.device_id,
        // As producers write readings (and the sensor jobs read them): epoch milliseconds.
        value: { ...reading, timestamp: this.#shifted(reading) },
      });
      this.position.sensorIndex += 1;
      if (this.position.sensorIndex >= this.#readings.length) {
        this.position.sensorIndex = 0;
        this.position.sensorLap += 1;
      }
    }
    if (readings.length > 0) batch.push({ topic: topics.sensorData, messages: readings });

    // Business events are spread evenly over the simulated time this tick covers.
    const from = this.position.businessClockMs;
    const span = elapsedS * 1000 * timeScale;
    this.position.businessClockMs = Math.round(from + span);
    const spread = <T>(n: number, make: (atMs: number) => T): T[] =>
      Array.from({ length: n }, (_, i) => make(Math.round(from + (span * (i + 1)) / (n + 1))));

    const reviews = spread(due("reviews", rates.reviewsPerSecond), (t) => this.#events.review(t));
    if (reviews.length > 0)
      batch.push({
        topic: topics.productReviews,
        messages: reviews.map((r) => ({ key: r.review_id, value: r })),
      });
    const transactions = spread(due("transactions", rates.transactionsPerSecond), (t) =>
      this.#events.transaction(t),
    );
    if (transactions.length > 0)
      batch.push({
        topic: topics.transactions,
        messages: transactions.map((t) => ({ key: t.user_id, value: t })),
      });
    const clicks = spread(due("clicks", rates.clicksPerSecond), (t) => this.#events.click(t));
    if (clicks.length > 0)
      batch.push({ topic: topics.clicks, messages: clicks.map((c) => ({ key: c.click_id, value: c })) });
    // One price change a second keeps the products table's watermark moving, which the
    // event-time temporal join of clicks with products needs to emit anything.
    const updates = spread(due("productUpdates", 1), (t) => this.#events.priceChange(t));
    if (updates.length > 0)
      batch.push({
        topic: topics.products,
        messages: updates.map((p) => ({ key: JSON.stringify({ product_id: p.product_id }), value: p })),
      });

    if (batch.length === 0) return;
    this.counts.readings += readings.length;
    this.counts.reviews += reviews.length;
    this.counts.transactions += transactions.length;
    this.counts.clicks += clicks.length;
    this.counts.productUpdates += updates.length;
    // Sends are chained so that records of one topic stay in order.
    this.#sending = this.#sending
      .then(() => this.#outbox.sendBatch(batch))
      .then(
        () => {
          this.#error = undefined;
        },
        (error: unknown) => {
          this.#error = error instanceof Error ? error : new Error(String(error));
        },
      );
  }

  /** Stops producing, waits for what is in flight and saves the position for the next run. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sending;
    await mkdir(dirname(this.#options.positionFile), { recursive: true });
    await writeFile(this.#options.positionFile, `${JSON.stringify(this.position, null, 2)}\n`);
  }
}
