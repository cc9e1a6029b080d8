/**
 * Enrichment benchmark: the same reviews, the same OpenAI-compatible model server (400 ms
 * latency, 600 requests/min, 150k tokens/min by default), three ways, side by side:
 *   (a) one request per review, in sequence (the origin example's shape), on a sample;
 *   (b) Flink's ML_PREDICT with the openai model provider (one request per row, async);
 *   (c) the Sluice enricher (batched, adaptive concurrency, cache, exactly-once Kafka).
 * Each approach gets a fresh server, so each starts with full rate-limit buckets.
 *
 *   node bench/enrich/run.ts [--reviews 5000] [--sample-a 300] [--skip a,b,c]
 *        [--latency-ms 400] [--rpm 600] [--tpm 150000] [--flink-concurrency 10] [--partitions 4]
 *
 * Needs the dev stack (Flink + Kafka) for (b) and (c); prints why when one cannot run.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { type ModelServerStats, startModelServer } from "@sluice/model-server";
import { ceilingRecordsPerSecond, type Limits } from "./ceiling.ts";
import { runEnricher } from "./enricher-run.ts";
import { runMlPredict } from "./flink-ml-predict.ts";
import { duplicateShare, generateReviews, type Review } from "./reviews.ts";
import { runSequential, SINGLE_REVIEW_PROMPT } from "./sequential-baseline.ts";

const { values: args } = parseArgs({
  options: {
    reviews: { type: "string", default: "5000" },
    "sample-a": { type: "string", default: "300" },
    skip: { type: "string", default: "" },
    "latency-ms": { type: "string", default: "400" },
    rpm: { type: "string", default: "600" },
    tpm: { type: "string", default: "150000" },
    "flink-concurrency": { type: "string", default: "10" },
    partitions: { type: "string", default: "4" },
  },
});

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a whole number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const reviewCount = positiveInt("reviews", args.reviews);
const sampleA = Math.min(reviewCount, positiveInt("sample-a", args["sample-a"]));
const latencyMs = positiveInt("latency-ms", args["latency-ms"]);
const limits: Limits = { rpm: positiveInt("rpm", args.rpm), tpm: positiveInt("tpm", args.tpm) };
const flinkConcurrency = positiveInt("flink-concurrency", args["flink-concurrency"]);
const partitions = Math.max(1, positiveInt("partitions", args.partitions));
const skip = new Set((args.skip ?? "").split(",").filter(Boolean));
const MODEL = "gpt-4o-mini";
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Measured {
  label: string;
  records: number;
  seconds: number;
  stats: ModelServerStats;
  /** Records that reached the model (1 per request for (a) and (b)). */
  modelRecords: number;
  note: string;
}

/** Run one approach against its own fresh model server. */
async function measure(
  label: string,
  body: (server: {
    url: string;
    apiKey: string;
  }) => Promise<Omit<Measured, "label" | "stats" | "modelRecords">>,
  modelRecords: (stats: ModelServerStats) => number,
): Promise<Measured | string> {
  const apiKey = `bench-${randomBytes(8).toString("hex")}`;
  const server = await startModelServer({
    latencyMs,
    rpm: limits.rpm,
    tpm: limits.tpm,
    apiKey,
    log: () => {},
  });
  try {
    const result = await body({ url: server.url, apiKey });
    const stats = server.stats();
    return { label, ...result, stats, modelRecords: modelRecords(stats) };
  } catch (error) {
    return `${label}: not measured: ${(error as Error).message.split("\n")[0]}`;
  } finally {
    await server.close();
  }
}

const reviews: Review[] = generateReviews(reviewCount);
log(
  `enrich bench: ${reviewCount} reviews (${(duplicateShare(reviews) * 100).toFixed(1)}% duplicates), ` +
    `model server ${latencyMs} ms latency, ${limits.rpm || "unlimited"} requests/min, ${limits.tpm || "unlimited"} tokens/min`,
);
log("the model server answers from a keyword lexicon (a stand-in), not a language model");

/** What a full-size run is given: every review, the model server it calls, and an hour to finish. */
function fullRun({ url, apiKey }: { url: string; apiKey: string }) {
  return { reviews, baseUrl: url, apiKey, model: MODEL, timeoutMs: 3_600_000, log };
}

/** The three approaches, each measured against its own fresh model server; `--skip a,b` leaves some out. */
const approaches: {
  key: string;
  intro: string;
  label: string;
  body: Parameters<typeof measure>[1];
  modelRecords: Parameters<typeof measure>[2];
}[] = [
  {
    key: "a",
    intro: `(a) sequential, one review per request: ${sampleA}-review sample...`,
    label: "(a) sequential, 1 review/request",
    body: async ({ url, apiKey }) => {
      const run = await runSequential({
        reviews: reviews.slice(0, sampleA),
        baseUrl: url,
        apiKey,
        model: MODEL,
      });
      return {
        records: sampleA,
        seconds: run.seconds,
        note: `sample of ${sampleA}; full-size wall extrapolated; ${run.unusable} unusable replies`,
      };
    },
    modelRecords: (s) => s.completions,
  },
  {
    key: "b",
    intro: `(b) Flink ML_PREDICT (openai provider, async, max-concurrent-operations ${flinkConcurrency})...`,
    label: "(b) Flink ML_PREDICT",
    body: async (server) => {
      const run = await runMlPredict({
        ...fullRun(server),
        systemPrompt: SINGLE_REVIEW_PROMPT,
        maxConcurrentOperations: flinkConcurrency,
      });
      return {
        records: reviewCount,
        seconds: run.wallSeconds,
        note: `wall = submit to FINISHED (job itself ${run.jobSeconds.toFixed(1)} s), parallelism 1`,
      };
    },
    modelRecords: (s) => s.completions,
  },
  {
    key: "c",
    intro: "(c) Sluice enricher via Kafka...",
    label: "(c) Sluice enricher",
    body: async (server) => {
      const run = await runEnricher({
        ...fullRun(server),
        partitions,
      });
      return {
        records: reviewCount,
        seconds: run.seconds,
        note:
          `wall = startEnricher to last committed output; ${run.enriched} enriched, ` +
          `${run.deadLettered} dead-lettered, ${run.wrongThemes} with themes != expected; ${partitions} partitions`,
      };
    },
    modelRecords: (s) => s.records,
  },
];
const results: (Measured | string)[] = [];
for (const approach of approaches) {
  if (skip.has(approach.key)) continue;
  log(approach.intro);
  results.push(await measure(approach.label, approach.body, approach.modelRecords));
}

// ---- report ----
const rate = (m: Measured) => m.records / m.seconds;
const ceiling = (m: Measured) =>
  ceilingRecordsPerSecond(limits, {
    modelRecordsPerRequest: m.stats.completions > 0 ? m.modelRecords / m.stats.completions : 1,
    tokensPerModelRecord: m.modelRecords > 0 ? m.stats.tokens.total / m.modelRecords : 0,
    modelShare: m.records > 0 ? m.modelRecords / m.records : 1,
  });
/**
 * The shortest wall time the limits allow for what this run sent, given that both buckets
 * start full: what exceeds one bucketful must wait for the refill.
 */
const limitsBoundSeconds = (m: Measured) =>
  Math.max(
    0,
    limits.rpm > 0 ? ((m.stats.completions - limits.rpm) * 60) / limits.rpm : 0,
    limits.tpm > 0 ? ((m.stats.tokens.total - limits.tpm) * 60) / limits.tpm : 0,
  );
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "inf");

const rows = [
  [
    "approach",
    "records",
    "wall s",
    "records/s",
    "req/record",
    "tokens/record",
    "429s",
    "peak in flight",
    "ceiling rec/s",
  ],
];
const measured = results.filter((r): r is Measured => typeof r !== "string");
for (const m of measured) {
  const isSample = m.label.startsWith("(a)") && m.records < reviewCount;
  rows.push([
    m.label,
    String(m.records),
    isSample
      ? `${fmt(m.seconds, 1)} (${reviewCount}: ~${fmt(reviewCount / rate(m), 0)} extrapolated)`
      : fmt(m.seconds, 1),
    fmt(rate(m)),
    fmt(m.stats.completions / m.records, 3),
    fmt(m.stats.tokens.total / m.records, 1),
    String(m.stats.rateLimited),
    String(m.stats.peakInFlight),
    fmt(ceiling(m)),
    limitsBoundSeconds(m) > 0 ? fmt(limitsBoundSeconds(m), 1) : "0 (latency-bound)",
  ]);
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
const out: string[] = [""];
for (const row of rows) out.push(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
out.push("");
for (const m of measured) out.push(`${m.label}: ${m.note}`);
for (const r of results) if (typeof r === "string") out.push(r);

const byLabel = (prefix: string) => measured.find((m) => m.label.startsWith(prefix));
const [a, b, c] = [byLabel("(a)"), byLabel("(b)"), byLabel("(c)")];
out.push("");
if (c && a) out.push(`(c)/(a) records/s: ${fmt(rate(c) / rate(a), 1)}x`);
if (c && b) out.push(`(c)/(b) records/s: ${fmt(rate(c) / rate(b), 1)}x`);
if (c) out.push(`(c)/ceiling: ${fmt(rate(c) / ceiling(c))} (its own steady-state ceiling)`);
if (b) out.push(`(b)/ceiling: ${fmt(rate(b) / ceiling(b))}`);
for (const m of [b, c]) {
  if (m && limitsBoundSeconds(m) > 0) {
    out.push(
      `${m.label.slice(0, 3)} limits-bound wall / wall: ${fmt(limitsBoundSeconds(m) / m.seconds)} (1.00 = as fast as the limits allow)`,
    );
  }
}
out.push(
  "ceiling = min(rpm x records/request, tpm / tokens per model record) / 60, divided by the share of records " +
    "that reach the model. Buckets start full, so a run shorter than a few minutes can beat its steady-state ceiling; " +
    "limits-bound wall = max((requests - rpm) / rpm, (tokens - tpm) / tpm) minutes for what the run sent.",
);
process.stdout.write(`${out.join("\n")}\n`);
