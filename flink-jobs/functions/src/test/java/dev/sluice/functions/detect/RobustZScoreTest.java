package dev.sluice.functions.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import dev.sluice.functions.Results;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class RobustZScoreTest {
  private static final double EPS = 1e-12;
  private final RobustZScore fn = new RobustZScore();
  private final RobustZScore.State s = fn.createAccumulator();

  private Row feed(String params, double... values) {
    for (double v : values) {
      fn.accumulate(s, v, params);
    }
    return fn.getValue(s);
  }

  @Test
  void scoresAgainstTheMedianAndMadOfTheWindowBefore() {
    String p = "window=5, warmup=5";
    // Window [1 2 3 4 100]: median 3, |x − 3| = 2 1 0 1 97 → sorted 0 1 1 2 97, MAD = 1.
    // x=5: z = (5 − 3)/(1.4826·1) = 1.3489815: the outlier 100 does not widen the scale.
    Row r = feed(p, 1, 2, 3, 4, 100, 5);
    assertEquals(3.0, Results.detector(r, "expected"));
    assertEquals(1.4826, (Double) Results.detector(r, "spread"), EPS);
    assertEquals(1.3489815189531904, (Double) Results.detector(r, "zscore"), EPS);
    assertEquals(false, Results.detector(r, "anomaly"));
    // 1 left the window: [2 3 4 100 5] → sorted 2 3 4 5 100, median 4, deviations 2 1 0 1 96,
    // MAD 1; x=1000: z = 996/1.4826 = 671.79.
    Row big = feed(p, 1000);
    assertEquals(671.7927964386888, (Double) Results.detector(big, "zscore"), 1e-9);
    assertEquals(true, Results.detector(big, "anomaly"));
  }

  @Test
  void averagesTheMiddlePairOfAnEvenWindow() {
    // Window [1 2 4 10]: median (2 + 4)/2 = 3; deviations 2 1 1 7 → 1 1 2 7, MAD = 1.5.
    Row r = feed("window=4, warmup=4", 1, 2, 4, 10, 3);
    assertEquals(3.0, Results.detector(r, "expected"));
    assertEquals(1.4826 * 1.5, (Double) Results.detector(r, "spread"), EPS);
  }

  @Test
  void fallsBackToTheMeanAbsoluteDeviationWhenMadIsZero() {
    // Window [5 5 5 9]: median 5, MAD 0; mean |x − 5| = 4/4 = 1 → spread 1.2533;
    // x=7: z = 2/1.2533 = 1.5957871.
    Row r = feed("window=4, warmup=4", 5, 5, 5, 9, 7);
    assertEquals(1.5957871219979254, (Double) Results.detector(r, "zscore"), EPS);
  }

  @Test
  void medianAndMadMatchABruteForceSortOnRandomWindows() {
    Random random = new Random(42);
    for (int trial = 0; trial < 2000; trial++) {
      int size = 1 + random.nextInt(40);
      double[] values = new double[size];
      double[] sorted = new double[size];
      for (int i = 0; i < size; i++) {
        values[i] = random.nextInt(4) == 0 ? random.nextInt(5) : random.nextGaussian() * 10;
        SortedWindow.insert(sorted, i, values[i]);
      }
      double[] expected = values.clone();
      Arrays.sort(expected);
      assertTrue(Arrays.equals(expected, sorted));
      double median = SortedWindow.median(sorted, size);
      assertEquals(bruteMedian(values), median, 1e-12);
      double[] deviations = new double[size];
      for (int i = 0; i < size; i++) {
        deviations[i] = Math.abs(values[i] - median);
      }
      assertEquals(
          bruteMedian(deviations), SortedWindow.medianAbsoluteDeviation(sorted, size, median), 1e-9);
    }
  }

  private static double bruteMedian(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  @Test
  void keepsTheNewestValuesWhenTheWindowShrinks() {
    feed("window=5", 1, 2, 3, 4, 5, 6, 7);
    feed("window=3", 8);
    // Window 5 held [3 4 5 6 7]; resized to 3 it keeps [5 6 7], then 8 evicts 5.
    assertEquals(3, s.size);
    double[] sorted = Arrays.copyOf(s.sorted, s.size);
    assertTrue(Arrays.equals(new double[] {6, 7, 8}, sorted), Arrays.toString(sorted));
  }

  @Test
  void hugeValuesStayInTheWindowWithoutBreakingTheScale() {
    Row r = feed("window=5, warmup=3", 1, 2, Double.MAX_VALUE, -Double.MAX_VALUE, 3, 2);
    assertEquals(2.0, Results.detector(r, "expected"));
    assertTrue(Double.isFinite((Double) Results.detector(r, "zscore")));
    fn.accumulate(s, Double.NaN, "window=5");
    assertEquals(1L, s.skipped);
    assertEquals(5, s.size);
  }
}
