import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The enricher's Prometheus metrics, on a registry of its own (several enrichers in
 * one process, as in tests, do not collide). Served at `/metrics`.
 */
export class EnricherMetrics {
  readonly registry = new Registry();
  readonly recordsIn = new Counter({
    name: "sluice_enricher_records_in_total",
    help: "Input records consumed",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly recordsOut = new Counter({
    name: "sluice_enricher_records_out_total",
    help: "Enriched records committed to the output topic",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: "sluice_enricher_dead_letters_total",
    help: "Records committed to the dead-letter topic, by reason",
    labelNames: ["task", "reason"],
    registers: [this.registry],
  });
  readonly modelRequests = new Counter({
    name: "sluice_enricher_model_requests_total",
    help: "Model requests, by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly modelRecords = new Counter({
    name: "sluice_enricher_model_records_total",
    help: "Records sent to the model (a record in a retried request counts again)",
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: "sluice_enricher_tokens_total",
    help: "Tokens reported by the provider",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: "sluice_enricher_model_request_seconds",
    help: "Model request latency",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: "sluice_enricher_cache_hits_total",
    help: "Records answered without a model call (cache, or a request already in flight)",
    labelNames: ["source"],
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: "sluice_enricher_cache_misses_total",
    help: "Distinct texts that needed a model call",
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "sluice_enricher_rate_limited_total",
    help: "Model responses with HTTP 429",
    registers: [this.registry],
  });
  readonly concurrencyLimit = new Gauge({
    name: "sluice_enricher_concurrency_limit",
    help: "Current adaptive limit of concurrent model requests",
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: "sluice_enricher_model_requests_in_flight",
    help: "Model requests in flight",
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: "sluice_enricher_transactions_total",
    help: "Kafka transactions, by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: "sluice_enricher_consumer_lag",
    help: "Records behind the end of the input topic (committed offsets vs high watermark)",
    labelNames: ["task", "topic", "partition"],
    registers: [this.registry],
  });
  readonly cacheSize = new Gauge({
    name: "sluice_enricher_cache_entries",
    help: "Entries in the in-memory theme cache",
    registers: [this.registry],
  });

  /** Sum of a metric's values (all labels), for tests and benchmarks. */
  async total(metric: Counter | Gauge, labels: Record<string, string> = {}): Promise<number> {
    const { values } = await metric.get();
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k] ?? "") === want))
      .reduce((sum, v) => sum + v.value, 0);
  }
}
