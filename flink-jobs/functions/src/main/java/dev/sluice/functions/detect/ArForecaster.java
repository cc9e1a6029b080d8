package dev.sluice.functions.detect;

import dev.sluice.functions.LearningRate;
import dev.sluice.functions.Numbers;
import dev.sluice.functions.Params;
import java.util.Set;

/**
 * One-step-ahead forecaster: an autoregression of order p learned online by SGD, whose residual
 * is scored against its own exponentially weighted mean and variance. For each value x_t:
 *
 * <ol>
 *   <li>standardise by the series' running mean μ and deviation σ (Welford): s(v) = (v − μ) / σ;
 *   <li>forecast ŝ = b + Σᵢ wᵢ·s(x_{t−i}), i = 1..p, and expected = μ + σ·ŝ (made before x_t);
 *   <li>residual r = x_t − expected, z = (r − mean_r) / sd_r with the residuals' EWMA statistics;
 *   <li>learn: g = clip(2(ŝ − s(x_t))), wᵢ ← wᵢ − η(g·s(x_{t−i}) + λ·wᵢ), b ← b − η·g; then fold
 *       r into the residual statistics and x_t into μ, σ and the lags.
 * </ol>
 *
 * Standardising makes one learning rate fit any unit (°C, kW, requests/s). Rows before the first
 * p values have no forecast and are not scored.
 *
 * <pre>
 * order=3            p, the lags the forecast uses (1..64)
 * eta0=0.01          learning rate; schedule=constant|invscaling and power_t=0.5 as for SGD
 * l2=0               L2 decay of the lag weights
 * clip=1e12          bound of the loss gradient
 * alpha=0.05         EWMA weight of the newest residual
 * threshold=3        |z| from which a value is an anomaly
 * warmup=20          residuals learned before any value is scored
 * </pre>
 */
public class ArForecaster extends Detector<ArForecaster.State, ArForecaster.Config> {
  public record Config(
      int order,
      double eta0,
      LearningRate schedule,
      double powerT,
      double l2,
      double clip,
      double alpha,
      Scoring scoring) {}

  public static class State extends DetectorState {
    /** The last {@code order} values, a ring whose newest value is just before {@code head}. */
    public double[] lags;

    public int head;
    public int lagCount;
    public double[] weights;
    public double intercept;
    public long updates;
    public double seriesMean;
    public double seriesM2;
    public long seriesRows;
    public double residualMean;
    public double residualVariance;
    public long residualRows;
  }

  public ArForecaster() {
    super(State::new, "order", "eta0", "schedule", "power_t", "l2", "clip", "alpha");
  }

  @Override
  protected Config parse(Params p) {
    return new Config(
        p.integer("order", 3, 1, 64),
        p.number("eta0", 0.01, 0, 1e6),
        LearningRate.of(p.choice("schedule", "constant", Set.of("constant", "invscaling"))),
        p.number("power_t", 0.5, 0, 10),
        p.number("l2", 0, 0, 1e6),
        p.number("clip", 1e12, Double.MIN_VALUE, Double.MAX_VALUE),
        p.number("alpha", 0.05, Double.MIN_VALUE, 1),
        Scoring.parse(p, 3, 20, Integer.MAX_VALUE));
  }

  @Override
  protected boolean observe(State s, double x, Config c) {
    if (s.lags == null || s.lags.length != c.order()) {
      s.lags = new double[c.order()];
      s.weights = new double[c.order()];
      s.head = 0;
      s.lagCount = 0;
    }
    long n = s.seriesRows + 1;
    double d = x - s.seriesMean;
    double mean = s.seriesMean + d / n;
    double m2 = s.seriesM2 + d * (x - mean);
    if (!Double.isFinite(mean) || !Double.isFinite(m2)) {
      return false;
    }
    if (s.lagCount == c.order()) {
      forecastAndLearn(s, x, c);
    }
    s.seriesMean = mean;
    s.seriesM2 = m2;
    s.seriesRows = n;
    s.lags[s.head] = x;
    s.head = (s.head + 1) % c.order();
    s.lagCount = Math.min(s.lagCount + 1, c.order());
    return true;
  }

  /** Lag i (1 = newest) standardised by the series statistics before x_t. */
  private static double lag(State s, int i) {
    int p = s.lags.length;
    double v = s.lags[(s.head - i + p) % p];
    return Numbers.standardize(v, s.seriesMean, s.seriesM2, s.seriesRows);
  }

  private static void forecastAndLearn(State s, double x, Config c) {
    double forecast = s.intercept;
    for (int i = 1; i <= c.order(); i++) {
      forecast += s.weights[i - 1] * lag(s, i);
    }
    double sd = s.seriesRows > 0 ? Math.sqrt(s.seriesM2 / s.seriesRows) : 0;
    double expected = s.seriesMean + sd * forecast;
    double residual = x - expected;
    Scoring scoring = c.scoring();
    boolean ready = s.residualRows >= scoring.warmup();
    s.score(residual, s.residualMean, Math.sqrt(s.residualVariance), ready, scoring.threshold());
    s.expected = expected;
    double target = Numbers.standardize(x, s.seriesMean, s.seriesM2, s.seriesRows);
    learnStep(s, Numbers.clip(2 * (forecast - target), c.clip()), c);
    learnResidual(s, residual, c.alpha());
  }

  /** The SGD step, all or nothing: skipped if any weight would stop being finite. */
  private static void learnStep(State s, double g, Config c) {
    double eta = c.schedule().at(s.updates, c.eta0(), c.powerT());
    double intercept = s.intercept - eta * g;
    boolean finite = Double.isFinite(intercept);
    for (int i = 1; i <= c.order() && finite; i++) {
      double w = s.weights[i - 1];
      finite = Double.isFinite(w - eta * (g * lag(s, i) + c.l2() * w));
    }
    if (!finite) {
      return;
    }
    for (int i = 1; i <= c.order(); i++) {
      double w = s.weights[i - 1];
      s.weights[i - 1] = w - eta * (g * lag(s, i) + c.l2() * w);
    }
    s.intercept = intercept;
    s.updates++;
  }

  /** EWMA of the residuals as in {@link EwmaZScore}; the first residual seeds the mean. */
  private static void learnResidual(State s, double r, double alpha) {
    if (!Double.isFinite(r)) {
      return;
    }
    if (s.residualRows == 0) {
      s.residualMean = r;
      s.residualVariance = 0;
    } else {
      double d = r - s.residualMean;
      double mean = s.residualMean + alpha * d;
      double variance = (1 - alpha) * (s.residualVariance + alpha * d * d);
      if (!Double.isFinite(mean) || !Double.isFinite(variance)) {
        return;
      }
      s.residualMean = mean;
      s.residualVariance = variance;
    }
    s.residualRows++;
  }
}
