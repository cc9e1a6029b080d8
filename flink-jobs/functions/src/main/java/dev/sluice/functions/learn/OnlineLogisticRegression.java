package dev.sluice.functions.learn;

import dev.sluice.functions.Numbers;

/**
 * Online logistic regression by SGD on the log loss; labels are 0 or 1 (any other label is
 * skipped and counted), the prediction is P(label = 1) = σ(margin), and ∂ℓ/∂margin = σ(margin) − y.
 *
 * <pre>
 * CREATE TEMPORARY FUNCTION ONLINE_LOGISTIC_REGRESSION
 *   AS 'dev.sluice.functions.learn.OnlineLogisticRegression' LANGUAGE JAVA;
 * SELECT id, ONLINE_LOGISTIC_REGRESSION(CAST(is_fraud AS DOUBLE), 'standardize=true', amount, age)
 *   OVER (PARTITION BY merchant ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 * FROM transactions
 * </pre>
 */
public class OnlineLogisticRegression extends OnlineLinearModel {
  @Override
  protected double predict(double margin) {
    return Numbers.sigmoid(margin);
  }

  @Override
  protected double lossGradient(double label, double margin) {
    if (label != 0.0 && label != 1.0) {
      return Double.NaN;
    }
    return Numbers.sigmoid(margin) - label;
  }
}
