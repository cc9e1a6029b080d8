package dev.sluice.functions.learn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.functions.Results;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

/** Each expectation is worked out by hand in the comment above it (squared loss, ∂ℓ = 2(ŷ − y)). */
class OnlineLinearRegressionTest {
  private static final double EPS = 1e-12;
  private final OnlineLinearRegression fn = new OnlineLinearRegression();
  private final LinearModelState s = fn.createAccumulator();

  private Row row(Double label, String params, Double... x) {
    fn.accumulate(s, label, params, x);
    return fn.getValue(s);
  }

  @Test
  void predictsBeforeLearningThenTakesOneSgdStepPerRow() {
    String p = "eta0=0.1, coefficients=true";
    // Row 1 (x=1, y=2): ŷ = 0. g = 2(0 − 2) = −4; w = 0 − 0.1·(−4·1) = 0.4; b = 0 − 0.01·(−4) = 0.04.
    Row r1 = row(2.0, p, 1.0);
    assertEquals(0.0, (Double) Results.model(r1, "prediction"), EPS);
    assertArrayEquals(new Double[] {0.4}, (Double[]) Results.model(r1, "weights"));
    assertEquals(0.04, (Double) Results.model(r1, "intercept"), EPS);
    // Row 2 (x=2, y=4): ŷ = 0.04 + 0.4·2 = 0.84. g = 2(0.84 − 4) = −6.32;
    // w = 0.4 − 0.1·(−6.32·2) = 1.664; b = 0.04 − 0.01·(−6.32) = 0.1032.
    Row r2 = row(4.0, p, 2.0);
    assertEquals(0.84, (Double) Results.model(r2, "prediction"), EPS);
    assertEquals(1.664, s.weights[0], EPS);
    assertEquals(0.1032, s.intercept, EPS);
    // Row 3 (x=3): ŷ = 0.1032 + 1.664·3 = 5.0952 (the value the Flink cluster printed too).
    assertEquals(5.0952, (Double) Results.model(row(6.0, p, 3.0), "prediction"), EPS);
    assertEquals(3L, s.updates);
  }

  @Test
  void l2DecayShrinksTheWeights() {
    // Row 1 as above: w = 0.4 (λ·w = 0 while w = 0).
    // Row 2: w = 0.4 − 0.1·(−6.32·2 + 0.5·0.4) = 0.4 + 1.264 − 0.02 = 1.644 (< 1.664 without L2).
    row(2.0, "eta0=0.1, l2=0.5", 1.0);
    row(4.0, "eta0=0.1, l2=0.5", 2.0);
    assertEquals(1.644, s.weights[0], EPS);
  }

  @Test
  void inverseScalingDecaysTheRateWithTheStepCount() {
    // Step t=0: η = 0.1 / 1^0.5 = 0.1, w = 0.4 as above. Step t=1: η = 0.1 / √2 = 0.0707107;
    // w = 0.4 − 0.0707107·(−6.32·2) = 1.2937830.
    String p = "eta0=0.1, schedule=invscaling, power_t=0.5";
    row(2.0, p, 1.0);
    row(4.0, p, 2.0);
    assertEquals(0.4 + 0.1 / Math.sqrt(2) * 12.64, s.weights[0], EPS);
    assertEquals(1.2937829714197961, s.weights[0], 1e-9);
  }

  @Test
  void standardisesWithStatisticsLearnedBeforeTheStep() {
    String p = "eta0=0.1, standardize=true";
    // Row 1 (x=1, y=2): no statistics yet, x̃ = 0, ŷ = 0. Learn: mean 1, var 0 → x̃ = 0;
    // g = −4; w = 0; b = 0.04.
    assertEquals(0.0, (Double) Results.model(row(2.0, p, 1.0), "prediction"), EPS);
    // Row 2 (x=3, y=2): predict with (mean 1, var 0) → x̃ = 0, ŷ = 0.04. Learn: n=2, mean 2,
    // M2 = 0 + 2·(3 − 2) = 2, var = 1 → x̃ = 1; g = 2(0.04 − 2) = −3.92; w = 0.392, b = 0.0792.
    assertEquals(0.04, (Double) Results.model(row(2.0, p, 3.0), "prediction"), EPS);
    assertEquals(0.392, s.weights[0], EPS);
    // Row 3 (x=4, no label: predict only): x̃ = (4 − 2)/1 = 2, ŷ = 0.0792 + 0.392·2 = 0.8632.
    assertEquals(0.8632, (Double) Results.model(row(null, p, 4.0), "prediction"), EPS);
    assertEquals(2L, s.updates);
    assertEquals(2L, s.featureRows);
  }

  @Test
  void skipsAndCountsRowsWithMissingOrNonFiniteFeatures() {
    row(2.0, "", 1.0, 1.0);
    double w0 = s.weights[0];
    for (Double bad : new Double[] {null, Double.NaN, Double.POSITIVE_INFINITY}) {
      Row r = row(5.0, "", 1.0, bad);
      assertNull(Results.model(r, "prediction"));
    }
    assertNull(Results.model(row(5.0, "", 1.0), "prediction"), "a row with the wrong feature count");
    assertEquals(4L, s.skipped);
    assertEquals(w0, s.weights[0]);
    assertEquals(1L, s.updates);
  }

  @Test
  void skipsNonFiniteLabelsButStillPredicts() {
    Row r = row(Double.NaN, "", 2.0);
    assertEquals(0.0, (Double) Results.model(r, "prediction"));
    assertEquals(1L, s.skipped);
    assertEquals(0L, s.updates);
  }

  @Test
  void staysFiniteUnderHugeValues() {
    for (String p : new String[] {"", "standardize=true", "eta0=1, l2=0.1"}) {
      LinearModelState m = fn.createAccumulator();
      double[] values = {1, 1e300, -Double.MAX_VALUE, 3, Double.MAX_VALUE, 1e-300, 2, 1e154};
      for (int i = 0; i < 200; i++) {
        double x = values[i % values.length];
        fn.accumulate(m, values[(i + 3) % values.length], p, x, 1.0);
        Double prediction = (Double) Results.model(fn.getValue(m), "prediction");
        assertTrue(prediction == null || Double.isFinite(prediction), p);
      }
      assertTrue(Double.isFinite(m.intercept), p);
      for (double w : m.weights) {
        assertTrue(Double.isFinite(w), p + " weight " + w);
      }
      if (m.featureMean != null) {
        for (int i = 0; i < 2; i++) {
          assertTrue(Double.isFinite(m.featureMean[i]) && Double.isFinite(m.featureM2[i]), p);
        }
      }
    }
  }

  @Test
  void rejectsUnknownOrInvalidHyperParameters() {
    var e = assertThrows(IllegalArgumentException.class, () -> row(1.0, "eta=0.1", 1.0));
    assertTrue(e.getMessage().contains("unknown key 'eta'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> row(1.0, "schedule=optimal", 1.0));
    assertThrows(IllegalArgumentException.class, () -> row(1.0, "l2=-1", 1.0));
    assertThrows(IllegalArgumentException.class, () -> row(1.0, "standardize=yes", 1.0));
  }
}
