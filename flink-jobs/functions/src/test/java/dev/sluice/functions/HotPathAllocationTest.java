package dev.sluice.functions;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.functions.detect.ArForecaster;
import dev.sluice.functions.detect.EwmaZScore;
import dev.sluice.functions.detect.RobustZScore;
import dev.sluice.functions.learn.LinearModelState;
import dev.sluice.functions.learn.OnlineLinearRegression;
import dev.sluice.functions.learn.OnlineLogisticRegression;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * accumulate() is the per-record path: after the first row has sized the state, it must not
 * allocate. Measured with the JVM's per-thread allocation counter over 200,000 calls; one
 * allocation per call (16+ bytes) would show as 3 MB, the bound is 64 KB.
 */
class HotPathAllocationTest {
  private static final int CALLS = 200_000;
  private static final long BOUND = 64 * 1024;

  private static long allocatedBy(Runnable body) {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    body.run(); // warm up: sizes the state and lets the JIT compile the loop
    long before = threads.getCurrentThreadAllocatedBytes();
    body.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  private static Double[][] rows() {
    Double[][] rows = new Double[64][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new Double[] {(double) i, Math.sin(i), i % 2 == 0 ? 1.0 : 0.0};
    }
    return rows;
  }

  @Test
  void linearModelsLearnWithoutAllocating() {
    Double[][] rows = rows();
    var linear = new OnlineLinearRegression();
    var logistic = new OnlineLogisticRegression();
    LinearModelState a = linear.createAccumulator();
    LinearModelState b = logistic.createAccumulator();
    String p = "eta0=0.01, schedule=invscaling, standardize=true, l2=0.001";
    long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                Double[] x = rows[i % rows.length];
                linear.accumulate(a, x[1], p, x);
                logistic.accumulate(b, x[2], p, x);
              }
            });
    assertTrue(bytes < BOUND, "allocated " + bytes + " bytes");
  }

  @Test
  void detectorsScoreWithoutAllocating() {
    Double[][] rows = rows();
    var ewma = new EwmaZScore();
    var robust = new RobustZScore();
    var ar = new ArForecaster();
    EwmaZScore.State e = ewma.createAccumulator();
    RobustZScore.State r = robust.createAccumulator();
    ArForecaster.State f = ar.createAccumulator();
    long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                Double x = rows[i % rows.length][1];
                ewma.accumulate(e, x, "alpha=0.1");
                robust.accumulate(r, x, "window=60");
                ar.accumulate(f, x, "order=4");
              }
            });
    assertTrue(bytes < BOUND, "allocated " + bytes + " bytes");
  }
}
