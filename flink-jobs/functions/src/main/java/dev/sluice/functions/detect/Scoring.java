package dev.sluice.functions.detect;

import dev.sluice.functions.Params;
import java.util.HashSet;
import java.util.Set;

/**
 * The parameters every detector scores with: {@code threshold}, the |z| from which a value is an
 * anomaly, and {@code warmup}, what is learned before any value is scored.
 */
record Scoring(double threshold, int warmup) {
  /** The keys a detector accepts: its own {@code keys} plus {@code threshold} and {@code warmup}. */
  static Set<String> keysWith(String... keys) {
    Set<String> all = new HashSet<>(Set.of(keys));
    all.add("threshold");
    all.add("warmup");
    return Set.copyOf(all);
  }

  /** Parses {@code threshold} (≥ 0) and {@code warmup} (1..{@code maxWarmup}) from {@code p}. */
  static Scoring parse(Params p, double threshold, int warmup, int maxWarmup) {
    return new Scoring(
        p.number("threshold", threshold, 0, Double.MAX_VALUE),
        p.integer("warmup", warmup, 1, maxWarmup));
  }
}
