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
  // Empty on purpose: no candidate has yet measured faster beyond the noise of the shared 2-core
  // machine (`pipeline.object-reuse: true` measured 0.32x-1.41x of Flink's defaults, median
  // 0.91x, same output; see bench/pipeline/README.md). A job can still set it in its `config`.
};
