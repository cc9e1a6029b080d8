import { type FlowView, flowText } from "./flow.ts";
import type { DemoTopics } from "./jobs.ts";
import type { ResultRecord } from "./kafka.ts";
import type { TrafficCounts } from "./traffic.ts";

export interface HourlyTotal {
  windowStart: string;
  totalAmount: number;
  count: number;
}

/** An alert's ISO-8601 instant (`2013-12-21T20:00:00Z`) as the panel shows times (UTC): `2013-12-21 20:00:00`. */
export function shownTime(iso: string): string {
  return iso.replace("T", " ").replace(/(\.\d+)?Z$/, "");
}

/**
 * What the jobs produced so far, folded from their result topics.
 *
 * @example
 *   const results = new Results(demoTopics(""));
 *   results.add({ topic: "sensor_anomalies", key: null, value: { temperature: 82.3 } });
 *   results.anomalies; // 1
 */
export class Results {
  readonly #topics: DemoTopics;
  anomalies = 0;
  zscoreFlags = 0;
  /** Flags per detector of `sensor-detectors` (ewma, robust, forecaster). */
  readonly detectorFlags = new Map<string, number>();
  /** The newest `sensor-forecast` row: the online forecaster's running mean absolute error. */
  lastForecast: { runningMae: number; updates: number } | undefined;
  enrichedReviews = 0;
  deadLetters = 0;
  enrichedClicks = 0;
  lastAnomaly: { timestamp: string; temperature: number } | undefined;
  /** Running total per theme (the `theme_counts_total` upsert table). */
  readonly themes = new Map<string, number>();
  /** Hourly windows by start (the `transactions_hourly` topic). */
  readonly hourly = new Map<string, HourlyTotal>();

  constructor(topics: DemoTopics) {
    this.#topics = topics;
  }

  /** The topics to read. */
  get topics(): string[] {
    const t = this.#topics;
    return [
      t.sensorAnomalies,
      t.sensorZscores,
      t.sensorForecasts,
      t.sensorDetections,
      t.reviewsWithThemes,
      `${t.reviewsWithThemes}.dlq`,
      t.themeCountsTotal,
      t.transactionsHourly,
      t.enrichedClicks,
    ];
  }

  add(record: ResultRecord): void {
    const t = this.#topics;
    const v = record.value;
    switch (record.topic) {
      case t.sensorAnomalies:
        this.anomalies += 1;
        if (v && typeof v.timestamp === "string" && typeof v.temperature === "number")
          this.lastAnomaly = { timestamp: shownTime(v.timestamp), temperature: v.temperature };
        return;
      case t.sensorZscores:
        this.zscoreFlags += 1;
        return;
      case t.sensorDetections: {
        const detector = typeof v?.detector === "string" ? v.detector : "?";
        this.detectorFlags.set(detector, (this.detectorFlags.get(detector) ?? 0) + 1);
        return;
      }
      case t.sensorForecasts:
        if (typeof v?.running_mae === "number")
          this.lastForecast = { runningMae: v.running_mae, updates: Number(v.updates ?? 0) };
        return;
      case t.reviewsWithThemes:
        this.enrichedReviews += 1;
        return;
      case `${t.reviewsWithThemes}.dlq`:
        this.deadLetters += 1;
        return;
      case t.enrichedClicks:
        this.enrichedClicks += 1;
        return;
      case t.themeCountsTotal: {
        const theme = themeOfKey(record.key) ?? (typeof v?.theme === "string" ? v.theme : undefined);
        if (theme === undefined) return;
        if (v === null) this.themes.delete(theme);
        else if (typeof v.theme_count === "number") this.themes.set(theme, v.theme_count);
        return;
      }
      case t.transactionsHourly: {
        if (!v || typeof v.window_start !== "string") return;
        this.hourly.set(v.window_start, {
          windowStart: v.window_start,
          totalAmount: Number(v.total_amount ?? 0),
          count: Number(v.transaction_count ?? 0),
        });
        return;
      }
    }
  }

  topThemes(n: number): [string, number][] {
    return [...this.themes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }

  lastHours(n: number): HourlyTotal[] {
    return [...this.hourly.values()].sort((a, b) => (a.windowStart < b.windowStart ? -1 : 1)).slice(-n);
  }
}

function themeOfKey(key: string | null): string | undefined {
  if (key === null) return undefined;
  try {
    const parsed = JSON.parse(key) as { theme?: unknown };
    return typeof parsed.theme === "string" ? parsed.theme : undefined;
  } catch {
    return undefined;
  }
}

export interface JobView {
  name: string;
  state: string;
  flinkState: string | null;
  reason?: string | undefined;
  /** Rates, lag, dead letters and failing conditions of a running job (absent otherwise). */
  flow?: FlowView | undefined;
}

export interface SummaryInput {
  elapsedS: number;
  jobs: JobView[] | { error: string };
  results: Results;
  sent: TrafficCounts;
  sensorTime: string;
  businessTime: string;
  trafficError: string | undefined;
  urls: { swagger: string; flink: string; api: string };
  standIn: boolean;
}

/**
 * The stable one-line summary the E2E test and CI logs read, e.g.
 * `summary: t=42s jobs=5/5 anomalies=3 zscore=7 readings=2100 reviews=160 enriched=150 themes=12 hours=4`.
 */
export function summaryLine(s: SummaryInput): string {
  const running = Array.isArray(s.jobs) ? s.jobs.filter((j) => j.state === "RUNNING").length : 0;
  const total = Array.isArray(s.jobs) ? s.jobs.length : 0;
  return [
    "summary:",
    `t=${Math.round(s.elapsedS)}s`,
    `jobs=${running}/${total}`,
    `anomalies=${s.results.anomalies}`,
    `zscore=${s.results.zscoreFlags}`,
    `readings=${s.sent.readings}`,
    `reviews=${s.sent.reviews}`,
    `enriched=${s.results.enrichedReviews}`,
    `dead_letters=${s.results.deadLetters}`,
    `themes=${s.results.themes.size}`,
    `transactions=${s.sent.transactions}`,
    `hours=${s.results.hourly.size}`,
    `clicks_joined=${s.results.enrichedClicks}`,
  ].join(" ");
}

const money = (n: number) =>
  n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The multi-line panel: jobs, anomalies, top themes, hourly totals and where to look next. */
export function summaryPanel(s: SummaryInput): string[] {
  const r = s.results;
  const lines: string[] = [];
  lines.push(`Sluice demo, running for ${Math.round(s.elapsedS)}s  (Ctrl-C stops the jobs with savepoints)`);
  lines.push("");
  lines.push("Jobs (from the API):");
  if (Array.isArray(s.jobs)) {
    for (const j of s.jobs) {
      const extra = j.reason ? `  ${j.reason}` : "";
      lines.push(`  ${j.name.padEnd(34)} ${j.state.padEnd(11)} flink: ${j.flinkState ?? "-"}${extra}`);
      if (j.state === "RUNNING") lines.push(`    ${flowText(j.flow)}`);
    }
  } else {
    lines.push(`  (API not answering: ${s.jobs.error})`);
  }
  lines.push("");
  lines.push(
    `Sensor (NAB ambient temperature, replayed at ${s.sensorTime}): ${s.sent.readings} readings sent, ` +
      `${r.anomalies} anomalies above the threshold, ${r.zscoreFlags} z-score outliers`,
  );
  if (r.lastAnomaly)
    lines.push(`  last anomaly: ${r.lastAnomaly.temperature.toFixed(1)} °F at ${r.lastAnomaly.timestamp}`);
  const flags = [...r.detectorFlags].map(([d, n]) => `${d} ${n}`).join(", ") || "none yet";
  const forecast = r.lastForecast
    ? `running MAE ${r.lastForecast.runningMae.toFixed(2)} °F after ${r.lastForecast.updates} readings`
    : "no forecast yet";
  lines.push(`  inside Flink: online forecaster ${forecast}; adaptive detector flags: ${flags}`);
  lines.push(
    `Reviews: ${s.sent.reviews} sent, ${r.enrichedReviews} enriched, ${r.deadLetters} dead-lettered` +
      (s.standIn ? "  (themes from the built-in lexicon stand-in, not a language model)" : ""),
  );
  const top = r.topThemes(6);
  lines.push(`  top themes: ${top.length ? top.map(([t, n]) => `${t} ${n}`).join(", ") : "(none yet)"}`);
  lines.push(`Transactions: ${s.sent.transactions} sent (business clock ${s.businessTime}); hourly totals:`);
  const hours = r.lastHours(4);
  if (hours.length === 0) lines.push("  (no hour closed yet)");
  for (const h of hours)
    lines.push(
      `  ${h.windowStart.slice(0, 16)}  ${String(h.count).padStart(6)} tx  ${money(h.totalAmount).padStart(14)}`,
    );
  lines.push(`Clicks: ${s.sent.clicks} sent, ${r.enrichedClicks} joined with their product`);
  if (s.trafficError) lines.push(`! producing to Kafka fails: ${s.trafficError}`);
  lines.push("");
  lines.push(`Swagger UI ${s.urls.swagger}   Flink UI ${s.urls.flink}   API ${s.urls.api}`);
  return lines;
}
