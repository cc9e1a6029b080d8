import { Counter, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The enricher's Prometheus metrics, on a registry of its own (several enrichers in
 * one process, as in tests, do not collide). Served at `/metrics`.
 */
export class EnricherMetrics {
  readonly registry = new Registry();

  // name suffix (after `sluice_enricher_`), help, label names
  readonly recordsIn = this.#counter("records_in_total", "Input records consumed", ["task"]);
  readonly recordsOut = this.#counter("records_out_total", "Enriched records committed to the output topic", [
    "task",
  ]);
  readonly deadLetters = this.#counter(
    "dead_letters_total",
    "Records committed to the dead-letter topic, by reason",
    ["task", "reason"],
  );
  readonly modelRequests = this.#counter("model_requests_total", "Model requests, by outcome", ["outcome"]);
  readonly modelRecords = this.#counter(
    "model_records_total",
    "Records sent to the model (a record in a retried request counts again)",
  );
  readonly tokens = this.#counter("tokens_total", "Tokens reported by the provider", ["kind"]);
  readonly requestSeconds = new Histogram({
    name: "sluice_enricher_model_request_seconds",
    help: "Model request latency",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly cacheHits = this.#counter(
    "cache_hits_total",
    "Records answered without a model call (cache, or a request already in flight)",
    ["source"],
  );
  readonly cacheMisses = this.#counter("cache_misses_total", "Distinct texts that needed a model call");
  readonly rateLimited = this.#counter("rate_limited_total", "Model responses with HTTP 429");
  readonly concurrencyLimit = this.#gauge(
    "concurrency_limit",
    "Current adaptive limit of concurrent model requests",
  );
  readonly inFlight = this.#gauge("model_requests_in_flight", "Model requests in flight");
  readonly transactions = this.#counter(
    "transactions_total",
    "Kafka transactions, by outcome (committed, or not: fenced, abandoned, failed)",
    ["outcome"],
  );
  readonly consumerLag = this.#gauge(
    "consumer_lag",
    "Records behind the end of the input topic (committed offsets vs high watermark)",
    ["task", "topic", "partition"],
  );
  readonly cacheSize = this.#gauge("cache_entries", "Entries in the in-memory theme cache");

  #counter(name: string, help: string, labelNames: string[] = []): Counter {
    return new Counter({ name: `sluice_enricher_${name}`, help, labelNames, registers: [this.registry] });
  }

  #gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return new Gauge({ name: `sluice_enricher_${name}`, help, labelNames, registers: [this.registry] });
  }

  /** Sum of a metric's values (all labels), for tests and benchmarks. */
  async total(metric: Counter | Gauge, labels: Record<string, string> = {}): Promise<number> {
    const { values } = await metric.get();
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k] ?? "") === want))
      .reduce((sum, v) => sum + v.value, 0);
  }
}
