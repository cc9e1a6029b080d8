package dev.sluice.functions.learn;

/**
 * Online linear regression by SGD on the squared loss ℓ = (ŷ − y)², whose gradient 2(ŷ − y) is
 * River's convention (scikit-learn halves the loss and drops the 2).
 *
 * <pre>
 * CREATE TEMPORARY FUNCTION ONLINE_LINEAR_REGRESSION
 *   AS 'dev.sluice.functions.learn.OnlineLinearRegression' LANGUAGE JAVA;
 * SELECT sensor, ONLINE_LINEAR_REGRESSION(next_value, 'eta0=0.01, standardize=true', a, b)
 *   OVER (PARTITION BY sensor ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 * FROM readings
 * </pre>
 */
public class OnlineLinearRegression extends OnlineLinearModel {
  @Override
  protected double predict(double margin) {
    return margin;
  }

  @Override
  protected double lossGradient(double label, double margin) {
    return 2.0 * (margin - label);
  }
}
