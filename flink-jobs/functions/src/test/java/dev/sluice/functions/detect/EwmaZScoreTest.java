package dev.sluice.functions.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.functions.Results;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class EwmaZScoreTest {
  private static final String P = "alpha=0.5, warmup=1, threshold=3";
  private final EwmaZScore fn = new EwmaZScore();
  private final EwmaZScore.State s = fn.createAccumulator();

  private Row row(Double x) {
    fn.accumulate(s, x, P);
    return fn.getValue(s);
  }

  @Test
  void scoresAgainstTheStatisticsBeforeTheValue() {
    // x=1 seeds mean 1, var 0: nothing to score against.
    assertNull(Results.detector(row(1.0), "zscore"));
    // x=3: spread √0 = 0, no score. Update: d = 2, mean = 1 + 0.5·2 = 2,
    // var = 0.5·(0 + 0.5·4) = 1.
    Row r2 = row(3.0);
    assertNull(Results.detector(r2, "zscore"));
    assertEquals(false, Results.detector(r2, "anomaly"));
    // x=5: z = (5 − 2)/√1 = 3 ≥ threshold. Update: d = 3, mean = 3.5, var = 0.5·(1 + 4.5) = 2.75.
    Row r3 = row(5.0);
    assertEquals(2.0, Results.detector(r3, "expected"));
    assertEquals(1.0, Results.detector(r3, "spread"));
    assertEquals(3.0, Results.detector(r3, "zscore"));
    assertEquals(true, Results.detector(r3, "anomaly"));
    assertEquals(3.5, s.mean);
    assertEquals(2.75, s.variance);
  }

  @Test
  void waitsForTheWarmup() {
    fn.accumulate(s, 1.0, "alpha=0.5, warmup=3");
    fn.accumulate(s, 3.0, "alpha=0.5, warmup=3");
    fn.accumulate(s, 5.0, "alpha=0.5, warmup=3");
    assertNull(Results.detector(fn.getValue(s), "zscore"), "only 2 rows learned before x=5");
  }

  @Test
  void skipsAndCountsBadValuesWithoutTouchingTheState() {
    row(1.0);
    row(3.0);
    for (Double bad : new Double[] {null, Double.NaN, Double.NEGATIVE_INFINITY, 1e200}) {
      Row r = row(bad);
      assertNull(Results.detector(r, "anomaly"));
      assertNull(Results.detector(r, "expected"));
    }
    // 1e200: d² = 1e400 overflows the variance, so the value is refused rather than learned.
    assertEquals(4L, s.skipped);
    assertEquals(2L, s.n);
    assertEquals(2.0, s.mean);
    assertEquals(1.0, s.variance);
  }
}
