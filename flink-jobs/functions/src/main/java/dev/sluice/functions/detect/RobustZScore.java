package dev.sluice.functions.detect;

import dev.sluice.functions.Params;

/**
 * Median and median absolute deviation (MAD) of the last {@code window} values, and the robust
 * z-score of each value against them: z = (x − median) / (1.4826·MAD), where 1.4826·MAD estimates
 * the standard deviation of normal data without being dragged by the outliers it should find
 * (Iglewicz and Hoaglin's modified z-score, whose 3.5 cut-off is the default). When more than half
 * the window holds one value (MAD = 0) the scale falls back to 1.2533·mean absolute deviation.
 *
 * <p>The function bounds the window itself (a ring of the last {@code window} values and the same
 * values sorted, both in the accumulator), so it runs over an UNBOUNDED PRECEDING OVER window with
 * state bounded by {@code window}; Flink does not keep the rows a second time. Changing {@code
 * window} on an upgrade keeps the newest values that fit.
 *
 * <pre>
 * window=60      values the median and MAD are taken over (3..100000)
 * threshold=3.5  |z| from which a value is an anomaly
 * warmup=10      values in the window before any value is scored
 * </pre>
 */
public class RobustZScore extends Detector<RobustZScore.State, RobustZScore.Config> {
  private static final double MAD_TO_SD = 1.4826;
  private static final double MEAN_AD_TO_SD = 1.2533;

  public record Config(int window, Scoring scoring) {}

  public static class State extends DetectorState {
    /** The last values in arrival order, a ring starting at {@code head}. */
    public double[] ring;

    /** The same values, sorted ascending. */
    public double[] sorted;

    public int head;
    public int size;
  }

  public RobustZScore() {
    super(State::new, "window");
  }

  @Override
  protected Config parse(Params p) {
    return new Config(p.integer("window", 60, 3, 100_000), Scoring.parse(p, 3.5, 10, 100_000));
  }

  @Override
  protected boolean observe(State s, double x, Config c) {
    if (s.ring == null || s.ring.length != c.window()) {
      resize(s, c.window());
    }
    if (s.size > 0) {
      double median = SortedWindow.median(s.sorted, s.size);
      double spread = MAD_TO_SD * SortedWindow.medianAbsoluteDeviation(s.sorted, s.size, median);
      if (spread == 0) {
        spread = MEAN_AD_TO_SD * SortedWindow.meanAbsoluteDeviation(s.sorted, s.size, median);
      }
      Scoring scoring = c.scoring();
      boolean ready = s.size >= Math.min(scoring.warmup(), c.window());
      s.score(x, median, spread, ready, scoring.threshold());
    }
    push(s, x);
    return true;
  }

  private static void push(State s, double x) {
    int capacity = s.ring.length;
    if (s.size == capacity) {
      SortedWindow.remove(s.sorted, s.size, s.ring[s.head]);
      s.size--;
      s.ring[s.head] = x;
      s.head = (s.head + 1) % capacity;
    } else {
      s.ring[(s.head + s.size) % capacity] = x;
    }
    SortedWindow.insert(s.sorted, s.size, x);
    s.size++;
  }

  /** Only when the window size changes (first row, or an upgrade): keeps the newest values. */
  private static void resize(State s, int window) {
    double[] oldRing = s.ring;
    int oldHead = s.head;
    int keep = Math.min(s.size, window);
    int skip = s.size - keep;
    s.ring = new double[window];
    s.sorted = new double[window];
    s.head = 0;
    s.size = 0;
    for (int i = 0; i < keep; i++) {
      push(s, oldRing[(oldHead + skip + i) % oldRing.length]);
    }
  }
}
