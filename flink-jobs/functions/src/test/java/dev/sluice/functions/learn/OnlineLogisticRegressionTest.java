package dev.sluice.functions.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.functions.Results;
import org.junit.jupiter.api.Test;

/** Log loss: ŷ = σ(margin), ∂ℓ/∂margin = σ(margin) − y; arithmetic in the comments. */
class OnlineLogisticRegressionTest {
  private static final double EPS = 1e-12;
  private final OnlineLogisticRegression fn = new OnlineLogisticRegression();
  private final LinearModelState s = fn.createAccumulator();

  private double predict(Double label, Double... x) {
    fn.accumulate(s, label, "eta0=0.1", x);
    return (Double) Results.model(fn.getValue(s), "prediction");
  }

  @Test
  void followsTheLogLossGradient() {
    // Row 1 (x=2, y=1): ŷ = σ(0) = 0.5. g = 0.5 − 1 = −0.5; w = 0 − 0.1·(−0.5·2) = 0.1;
    // b = 0 − 0.01·(−0.5) = 0.005.
    assertEquals(0.5, predict(1.0, 2.0), EPS);
    assertEquals(0.1, s.weights[0], EPS);
    assertEquals(0.005, s.intercept, EPS);
    // Row 2 (x=2, y=0): margin = 0.005 + 0.1·2 = 0.205, ŷ = 1 / (1 + e^−0.205) = 0.5510713;
    // w = 0.1 − 0.1·(0.5510713·2) = −0.0102143; b = 0.005 − 0.01·0.5510713 = −0.000510713.
    assertEquals(0.551071269307342, predict(0.0, 2.0), EPS);
    assertEquals(-0.01021425386146839, s.weights[0], EPS);
    assertEquals(-0.0005107126930734198, s.intercept, EPS);
  }

  @Test
  void skipsLabelsOtherThanZeroAndOne() {
    predict(0.5, 1.0);
    predict(2.0, 1.0);
    assertEquals(2L, s.skipped);
    assertEquals(0L, s.updates);
  }

  @Test
  void sigmoidSaturatesWithoutOverflow() {
    s.weights = new double[] {1000};
    assertEquals(1.0, predict(null, 1.0));
    assertEquals(0.0, predict(null, -1.0));
  }
}
