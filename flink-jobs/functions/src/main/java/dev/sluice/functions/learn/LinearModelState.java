package dev.sluice.functions.learn;

/**
 * The model of one key, kept by Flink as the aggregate's accumulator: checkpoints and savepoints
 * carry it, and a job upgrade that keeps the function (same name, same feature count) keeps it.
 * A POJO of public fields so that Flink derives a structured type for it rather than falling back
 * to Kryo. Arrays are allocated once, when the first row fixes the number of features.
 */
public class LinearModelState {
  /** One weight per feature; null until the first usable row. */
  public double[] weights;

  public double intercept;

  /** Running mean of each feature (only with standardize=true). */
  public double[] featureMean;

  /** Running sum of squared deviations of each feature (Welford's M2). */
  public double[] featureM2;

  /** Rows the running mean and variance have seen. */
  public long featureRows;

  /** SGD steps taken: the {@code t} of the learning-rate schedule. */
  public long updates;

  /** Rows not learned from: NULL, NaN or infinite values, wrong labels, wrong feature count. */
  public long skipped;

  /** The prediction for the row accumulated last, made before learning from it; NaN if none. */
  public double lastPrediction = Double.NaN;

  public LinearModelState() {}

  /** Allocates the arrays for {@code dimension} features unless they exist; false on a mismatch. */
  boolean shape(int dimension, boolean standardize) {
    if (weights == null) {
      weights = new double[dimension];
    }
    if (standardize && featureMean == null) {
      featureMean = new double[dimension];
      featureM2 = new double[dimension];
    }
    return weights.length == dimension && (!standardize || featureMean.length == dimension);
  }
}
