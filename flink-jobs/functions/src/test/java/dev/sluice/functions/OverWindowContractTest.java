package dev.sluice.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.functions.detect.ArForecaster;
import dev.sluice.functions.detect.EwmaZScore;
import dev.sluice.functions.detect.RobustZScore;
import dev.sluice.functions.learn.OnlineLinearRegression;
import dev.sluice.functions.learn.OnlineLogisticRegression;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The functions run over UNBOUNDED PRECEDING OVER windows only, and say so by what they lack: a
 * model cannot un-learn a row (no retract) and two models of one key are never combined (no
 * merge), so Flink's planner refuses bounded OVER windows and merging group windows with
 * "Could not find an implementation method 'retract'" instead of running them wrong. Adding either
 * method is a contract change: this test fails until the README's table is updated with it.
 */
class OverWindowContractTest {
  private static final List<Class<?>> FUNCTIONS =
      List.of(
          OnlineLinearRegression.class,
          OnlineLogisticRegression.class,
          EwmaZScore.class,
          RobustZScore.class,
          ArForecaster.class);

  @Test
  void declaresAccumulateButNeitherRetractNorMerge() {
    for (Class<?> fn : FUNCTIONS) {
      List<String> names = Arrays.stream(fn.getMethods()).map(Method::getName).toList();
      assertEquals(1, names.stream().filter("accumulate"::equals).count(), fn.getName());
      assertEquals(0, names.stream().filter(n -> n.equals("retract") || n.equals("merge")).count());
    }
  }
}
