/**
 * Flink options every Sluice job starts with, chosen with `bench/pipeline` (each kept only
 * because it measured faster with the same output; figures in `bench/pipeline/README.md`).
 * The API opens each job's SQL Gateway session with them, before the job's own statements: the
 * compiled SQL stays what the spec says, and a job overrides any of them through its `config`
 * (emitted as `SET`s that run after; the keys are in {@link ALLOWED_CONFIG}).
 *
 * @example
 * await flink.submit({ settings: { ...PERFORMANCE_DEFAULTS, "pipeline.name": name }, statements });
 */
export const PERFORMANCE_DEFAULTS: Readonly<Record<string, string>> = {
  // Chained operators hand records on without a defensive copy. Quiet machine, 1M records, p=1,
  // medians of 3 (bench/pipeline/README.md): sensor-anomalies 1.31x, transactions-hourly 1.26x of
  // Flink's defaults, outputs identical; sensor-zscore (OVER window) unchanged. Safe for Sluice's
  // own functions: their accumulators keep only immutable boxed values and strings.
  "pipeline.object-reuse": "true",
  // Event-time watermarks every 50 ms instead of Flink's 200 ms: the rowtime OVER window buffers
  // each key's rows until the watermark passes them, and smaller batches are cheaper to emit.
  // Quiet machine, sensor-zscore p=1: 1.39x of Flink's defaults (2 repeats; 20 ms gave 1.66x once,
  // 2 s gave 0.14x); transactions-hourly unchanged (1.00x); outputs identical. It does not change
  // which records are late: that is the watermark's declared delay.
  "pipeline.auto-watermark-interval": "50 ms",
};
