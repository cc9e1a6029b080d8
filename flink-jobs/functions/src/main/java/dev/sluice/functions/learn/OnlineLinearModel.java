package dev.sluice.functions.learn;

import dev.sluice.functions.Numbers;
import dev.sluice.functions.ParsedOnce;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.AggregateFunction;
import org.apache.flink.types.Row;

/**
 * An online linear model as an aggregate over an OVER window: each row first gets the prediction
 * of the model learned from the rows before it (progressive validation), then the model learns
 * from the row. Use {@code ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW} per key: with RANGE,
 * rows sharing a time stamp are all learned before any is emitted, so they share one prediction.
 * Bounded windows are refused by Flink's planner (a model cannot un-learn: there is no retract),
 * and so are group windows that merge (no merge).
 *
 * <p>Arguments: label (NULL = predict only), hyper-parameters ({@link SgdConfig}), features. A
 * row with a NULL, NaN or infinite feature gets a NULL prediction and is counted in {@code
 * skipped}; the model never sees it.
 */
@FunctionHint(
    output =
        @DataTypeHint(
            "ROW<prediction DOUBLE, intercept DOUBLE, weights ARRAY<DOUBLE>,"
                + " updates BIGINT, skipped BIGINT>"))
public abstract class OnlineLinearModel extends AggregateFunction<Row, LinearModelState> {
  private transient ParsedOnce<SgdConfig> config;
  private transient boolean coefficients;

  /** Per-call scratch: 1 / sd of each feature for the key being updated (a task is one thread). */
  private transient double[] inverseScales;

  /** The prediction reported for a margin (identity, or the probability for logistic). */
  protected abstract double predict(double margin);

  /** ∂ℓ/∂margin for a label; NaN when the label is not one this model learns from. */
  protected abstract double lossGradient(double label, double margin);

  @Override
  public LinearModelState createAccumulator() {
    return new LinearModelState();
  }

  public void accumulate(LinearModelState s, Double label, String params, Double... features) {
    SgdConfig c = config(params);
    if (!Numbers.allUsable(features) || !s.shape(features.length, c.standardize())) {
      s.lastPrediction = Double.NaN;
      s.skipped++;
      return;
    }
    s.lastPrediction = predict(LinearSgd.margin(s, features, scales(s, c)));
    if (label == null) {
      return;
    }
    if (!learn(s, label, features, c)) {
      s.skipped++;
    }
  }

  private boolean learn(LinearModelState s, Double label, Double[] x, SgdConfig c) {
    if (!Numbers.usable(label) || Double.isNaN(lossGradient(label, 0.0))) {
      return false;
    }
    if (c.standardize() && !LinearSgd.learnScale(s, x)) {
      return false;
    }
    double[] inverse = scales(s, c);
    double margin = LinearSgd.margin(s, x, inverse);
    return LinearSgd.step(s, x, lossGradient(label, margin), c, inverse);
  }

  /** The features' inverse scales from the key's current statistics; null without standardize. */
  private double[] scales(LinearModelState s, SgdConfig c) {
    if (!c.standardize()) {
      return null;
    }
    if (inverseScales == null || inverseScales.length != s.featureMean.length) {
      inverseScales = new double[s.featureMean.length];
    }
    LinearSgd.inverseScales(s, inverseScales);
    return inverseScales;
  }

  @Override
  public Row getValue(LinearModelState s) {
    Double[] weights = null;
    if (coefficients && s.weights != null) {
      weights = new Double[s.weights.length];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = s.weights[i];
      }
    }
    return Row.of(
        Numbers.boxedOrNull(s.lastPrediction), s.intercept, weights, s.updates, s.skipped);
  }

  private SgdConfig config(String params) {
    if (config == null) {
      config = new ParsedOnce<>(SgdConfig::parse);
    }
    SgdConfig c = config.get(params);
    coefficients = c.coefficients();
    return c;
  }
}
