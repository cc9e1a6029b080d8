package dev.sluice.functions.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.functions.Results;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class ArForecasterTest {
  private static final String P = "order=1, eta0=0.1, alpha=0.5, warmup=1";
  private static final double EPS = 1e-12;
  private final ArForecaster fn = new ArForecaster();
  private final ArForecaster.State s = fn.createAccumulator();

  private Row row(Double x) {
    fn.accumulate(s, x, P);
    return fn.getValue(s);
  }

  @Test
  void forecastsOneStepAheadAndScoresTheResidual() {
    // x=1: no lag yet, no forecast. Series: n=1, mean 1, M2 0.
    assertNull(Results.detector(row(1.0), "expected"));
    // x=3: lag s(1) = 0 (σ = 0), ŝ = 0, expected = 1 + 0·0 = 1, residual 2 (first: no score).
    // target s(3) = 0 (σ still 0) → g = 0. Residuals: mean 2, var 0. Series: mean 2, M2 2.
    assertEquals(1.0, Results.detector(row(3.0), "expected"));
    // x=5: σ = √(2/2) = 1, lag s(3) = 1, ŝ = 0, expected = 2, residual 3; residual spread 0 → no z.
    // target s(5) = 3: g = 2(0 − 3) = −6, w = 0 − 0.1·(−6·1) = 0.6, b = 0 − 0.1·(−6) = 0.6.
    // Residual EWMA: d = 1, mean 2.5, var 0.5·(0 + 0.5·1) = 0.25. Series: mean 3, M2 8.
    assertEquals(2.0, Results.detector(row(5.0), "expected"));
    assertEquals(0.6, s.weights[0], EPS);
    assertEquals(0.6, s.intercept, EPS);
    // x=4: σ = √(8/3) = 1.6329932, lag s(5) = 2/σ = 1.2247449, ŝ = 0.6 + 0.6·1.2247449 = 1.3348469,
    // expected = 3 + σ·ŝ = 5.1797959, residual = −1.1797959,
    // z = (−1.1797959 − 2.5)/√0.25 = −7.3595918 → anomaly.
    Row r = row(4.0);
    assertEquals(5.179795897113271, (Double) Results.detector(r, "expected"), EPS);
    assertEquals(0.5, (Double) Results.detector(r, "spread"), EPS);
    assertEquals(-7.359591794226542, (Double) Results.detector(r, "zscore"), 1e-9);
    assertEquals(true, Results.detector(r, "anomaly"));
  }

  @Test
  void learnsAnAr1SeriesWellEnoughToForecastIt() {
    // x_t = 0.8·x_{t−1} + 10 + noise: after learning, the residuals shrink to the noise.
    java.util.Random random = new java.util.Random(7);
    double x = 50;
    double lateAbsError = 0;
    for (int t = 0; t < 5000; t++) {
      x = 0.8 * x + 10 + random.nextGaussian() * 0.5;
      fn.accumulate(s, x, "order=2, eta0=0.01");
      Double expected = (Double) Results.detector(fn.getValue(s), "expected");
      if (t >= 4000) {
        lateAbsError += Math.abs(x - expected) / 1000;
      }
    }
    // The noise's mean absolute value is 0.5·√(2/π) = 0.399; allow the model 10% above it.
    assertTrue(lateAbsError < 0.44, "late mean absolute error " + lateAbsError);
  }

  @Test
  void skipsBadValuesAndKeepsItsStateFinite() {
    double[] values = {20, 21, 1e300, 22, -Double.MAX_VALUE, 21, 1e-300, 20};
    for (int i = 0; i < 400; i++) {
      fn.accumulate(s, values[i % values.length], "order=3");
    }
    fn.accumulate(s, Double.NaN, "order=3");
    fn.accumulate(s, null, "order=3");
    assertTrue(s.skipped >= 2);
    assertTrue(Double.isFinite(s.seriesMean) && Double.isFinite(s.seriesM2));
    assertTrue(Double.isFinite(s.intercept) && Double.isFinite(s.residualVariance));
    for (double w : s.weights) {
      assertTrue(Double.isFinite(w));
    }
  }
}
