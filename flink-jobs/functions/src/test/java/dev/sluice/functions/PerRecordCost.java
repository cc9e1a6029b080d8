package dev.sluice.functions;

import dev.sluice.functions.detect.ArForecaster;
import dev.sluice.functions.detect.EwmaZScore;
import dev.sluice.functions.detect.RobustZScore;
import dev.sluice.functions.learn.LinearModelState;
import dev.sluice.functions.learn.OnlineLinearRegression;
import dev.sluice.functions.learn.OnlineLogisticRegression;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Nanoseconds per accumulate() call of each function, one thread, after a JIT warm-up: the cost
 * the functions add per record on top of Flink's own OVER-aggregate work (state access and row
 * conversion). Not a test (surefire runs *Test classes only); run one case per JVM, e.g.
 *
 * <pre>
 * mvn -q -f flink-jobs/functions/pom.xml test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp flink-jobs/functions/target/classes:flink-jobs/functions/target/test-classes:$(cat cp.txt) \
 *   dev.sluice.functions.PerRecordCost linear
 * </pre>
 */
public final class PerRecordCost {
  private PerRecordCost() {}

  public static void main(String[] args) {
    Double[][] rows = new Double[1024][];
    Random random = new Random(1);
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new Double[10];
      for (int j = 0; j < 10; j++) {
        rows[i][j] = random.nextGaussian();
      }
    }
    String p = "eta0=0.01, standardize=true";
    String which = args.length > 0 ? args[0] : "linear";
    IntConsumer body =
        switch (which) {
          case "linear" -> {
            var fn = new OnlineLinearRegression();
            LinearModelState s = fn.createAccumulator();
            yield i -> fn.accumulate(s, rows[i & 1023][0], p, rows[(i + 1) & 1023]);
          }
          case "logistic" -> {
            var fn = new OnlineLogisticRegression();
            LinearModelState s = fn.createAccumulator();
            yield i -> fn.accumulate(s, (double) (i & 1), p, rows[i & 1023]);
          }
          case "ewma" -> {
            var fn = new EwmaZScore();
            var s = fn.createAccumulator();
            yield i -> fn.accumulate(s, rows[i & 1023][0], "alpha=0.1");
          }
          case "robust" -> {
            var fn = new RobustZScore();
            var s = fn.createAccumulator();
            yield i -> fn.accumulate(s, rows[i & 1023][0], "window=60");
          }
          case "ar" -> {
            var fn = new ArForecaster();
            var s = fn.createAccumulator();
            yield i -> fn.accumulate(s, rows[i & 1023][0], "order=8");
          }
          default -> throw new IllegalArgumentException("linear|logistic|ewma|robust|ar");
        };
    for (int i = 0; i < 3_000_000; i++) {
      body.accept(i);
    }
    int n = 5_000_000;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      body.accept(i);
    }
    System.out.printf("%s: %.0f ns per record%n", which, (System.nanoTime() - start) / (double) n);
  }
}
