package dev.sluice.functions.detect;

/**
 * What every detector reports for the row accumulated last, scored against the state built from
 * the rows before it, plus its counters. Subclasses add the detector's own state; Flink keeps the
 * whole object as the aggregate's accumulator (a POJO of public fields, so a structured type).
 */
public class DetectorState {
  /** The value expected for the last row: EWMA mean, window median or forecast. NaN if none. */
  public double expected = Double.NaN;

  /** The scale the deviation is measured in (standard deviation or its robust estimate). */
  public double spread = Double.NaN;

  /** (value − expected) / spread, NaN while the detector is warming up or spread is 0. */
  public double zscore = Double.NaN;

  public boolean anomaly;

  /** False when the last row was skipped (NULL, NaN or infinite value). */
  public boolean scored;

  /** Rows learned from. */
  public long n;

  /** Rows skipped: NULL, NaN, infinite, or a value whose update would overflow. */
  public long skipped;

  /** Records the score of a row: z = (x − expected) / spread once {@code ready}. */
  void score(double x, double expected, double spread, boolean ready, double threshold) {
    this.expected = expected;
    this.spread = spread;
    double z = (x - expected) / spread;
    this.zscore = ready && spread > 0 && Double.isFinite(z) ? z : Double.NaN;
    this.anomaly = Math.abs(this.zscore) >= threshold;
  }

  void clearScore() {
    expected = Double.NaN;
    spread = Double.NaN;
    zscore = Double.NaN;
    anomaly = false;
    scored = true;
  }
}
