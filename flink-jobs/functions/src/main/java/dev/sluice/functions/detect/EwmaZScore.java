package dev.sluice.functions.detect;

import dev.sluice.functions.Params;

/**
 * Exponentially weighted mean and variance, and the z-score of each value against them. The
 * update (Finch, "Incremental calculation of weighted mean and variance", 2009) is stable and
 * needs no history: d = x − mean, mean ← mean + α·d, var ← (1 − α)(var + α·d²).
 *
 * <pre>
 * alpha=0.1      weight of the newest value (0 &lt; alpha ≤ 1); half-life ≈ ln 2 / alpha rows
 * threshold=3    |z| from which a value is an anomaly
 * warmup=10      rows learned before any value is scored
 *
 * SELECT sensor, EWMA_ZSCORE(temperature, 'alpha=0.05, threshold=3.5') OVER (
 *   PARTITION BY sensor ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 * FROM readings
 * </pre>
 */
public class EwmaZScore extends Detector<EwmaZScore.State, EwmaZScore.Config> {
  public record Config(double alpha, Scoring scoring) {}

  public static class State extends DetectorState {
    public double mean;
    public double variance;
  }

  public EwmaZScore() {
    super(State::new, "alpha");
  }

  @Override
  protected Config parse(Params p) {
    return new Config(
        p.number("alpha", 0.1, Double.MIN_VALUE, 1), Scoring.parse(p, 3, 10, Integer.MAX_VALUE));
  }

  @Override
  protected boolean observe(State s, double x, Config c) {
    if (s.n == 0) {
      s.mean = x;
      s.variance = 0;
      return true;
    }
    double d = x - s.mean;
    double mean = s.mean + c.alpha() * d;
    double variance = (1 - c.alpha()) * (s.variance + c.alpha() * d * d);
    if (!Double.isFinite(mean) || !Double.isFinite(variance)) {
      return false;
    }
    Scoring scoring = c.scoring();
    s.score(x, s.mean, Math.sqrt(s.variance), s.n >= scoring.warmup(), scoring.threshold());
    s.mean = mean;
    s.variance = variance;
    return true;
  }
}
