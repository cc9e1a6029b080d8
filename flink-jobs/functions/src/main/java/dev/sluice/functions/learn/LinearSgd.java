package dev.sluice.functions.learn;

import dev.sluice.functions.Numbers;

/**
 * The update rules of the online linear models, on a {@link LinearModelState}. Nothing here
 * allocates: features are read from the caller's array and scaled on the fly.
 */
final class LinearSgd {
  private LinearSgd() {}

  /**
   * The inverse standard deviation of each feature, 1 / sqrt(M2 / n) (population, as River's
   * StandardScaler), or 0 while it is 0: computed once per row into the caller's buffer, so that
   * each later pass over the features costs a subtraction and a multiplication.
   */
  static void inverseScales(LinearModelState s, double[] inverse) {
    for (int i = 0; i < inverse.length; i++) {
      double m2 = s.featureM2[i];
      inverse[i] = s.featureRows > 0 && m2 > 0 ? 1.0 / Math.sqrt(m2 / s.featureRows) : 0.0;
    }
  }

  /** Feature {@code i} as the model sees it: raw (no scales), or (x − mean) / sd. */
  static double feature(LinearModelState s, Double[] x, int i, double[] inverse) {
    double value = x[i];
    return inverse == null ? value : (value - s.featureMean[i]) * inverse[i];
  }

  /** The linear score b + Σ wᵢ·xᵢ. */
  static double margin(LinearModelState s, Double[] x, double[] inverse) {
    double sum = s.intercept;
    for (int i = 0; i < x.length; i++) {
      sum += s.weights[i] * feature(s, x, i, inverse);
    }
    return sum;
  }

  /**
   * Welford's running mean and M2 of every feature, all or nothing: n ← n + 1, d = x − mean,
   * mean ← mean + d / n, M2 ← M2 + d·(x − mean_new). Refuses (false) a row whose update would
   * leave a non-finite statistic, e.g. a value near ±1.8e308.
   */
  static boolean learnScale(LinearModelState s, Double[] x) {
    long n = s.featureRows + 1;
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - s.featureMean[i];
      double mean = s.featureMean[i] + d / n;
      if (!Double.isFinite(mean) || !Double.isFinite(s.featureM2[i] + d * (x[i] - mean))) {
        return false;
      }
    }
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - s.featureMean[i];
      s.featureMean[i] += d / n;
      s.featureM2[i] += d * (x[i] - s.featureMean[i]);
    }
    s.featureRows = n;
    return true;
  }

  /**
   * One SGD step with L2 decay, all or nothing: g = clip(∂ℓ/∂margin), wᵢ ← wᵢ − η(g·xᵢ + λ·wᵢ),
   * b ← b − η_b·g. Refuses (false) a step that would leave a non-finite weight.
   */
  static boolean step(
      LinearModelState s, Double[] x, double gradient, SgdConfig c, double[] inverse) {
    double g = Numbers.clip(gradient, c.clip());
    double eta = c.rate(s.updates);
    double intercept = s.intercept - c.interceptLr() * g;
    if (!Double.isFinite(g) || !Double.isFinite(intercept)) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      double w = s.weights[i];
      if (!Double.isFinite(w - eta * (g * feature(s, x, i, inverse) + c.l2() * w))) {
        return false;
      }
    }
    for (int i = 0; i < x.length; i++) {
      double w = s.weights[i];
      s.weights[i] = w - eta * (g * feature(s, x, i, inverse) + c.l2() * w);
    }
    s.intercept = intercept;
    s.updates++;
    return true;
  }
}
