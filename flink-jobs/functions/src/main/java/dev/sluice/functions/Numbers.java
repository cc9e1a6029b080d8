package dev.sluice.functions;

/** Numeric helpers shared by the learners and detectors; none of them allocates. */
public final class Numbers {
  private Numbers() {}

  /** A value the models may learn from: present and finite (not NULL, NaN or ±Infinity). */
  public static boolean usable(Double value) {
    return value != null && Double.isFinite(value);
  }

  public static boolean allUsable(Double[] values) {
    if (values == null) {
      return false;
    }
    for (Double value : values) {
      if (!usable(value)) {
        return false;
      }
    }
    return true;
  }

  public static double clip(double value, double limit) {
    return Math.max(-limit, Math.min(limit, value));
  }

  /** The logistic function without overflow: exp only ever sees a non-positive argument. */
  public static double sigmoid(double z) {
    if (z >= 0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1.0 + e);
  }

  /** (x - mean) / sd with sd = sqrt(m2 / n) (population, as River's StandardScaler); 0 if sd = 0. */
  public static double standardize(double x, double mean, double m2, long n) {
    if (n == 0 || m2 <= 0) {
      return 0.0;
    }
    return (x - mean) / Math.sqrt(m2 / n);
  }

  public static Double boxedOrNull(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
