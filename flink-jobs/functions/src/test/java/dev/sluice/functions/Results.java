package dev.sluice.functions;

import java.util.List;
import org.apache.flink.types.Row;

/** Reads the functions' positional result rows by the field names their SQL type declares. */
public final class Results {
  private static final List<String> MODEL =
      List.of("prediction", "intercept", "weights", "updates", "skipped");
  private static final List<String> DETECTOR =
      List.of("expected", "spread", "zscore", "anomaly", "n", "skipped");

  private Results() {}

  public static Object model(Row row, String name) {
    return row.getField(index(MODEL, name));
  }

  public static Object detector(Row row, String name) {
    return row.getField(index(DETECTOR, name));
  }

  private static int index(List<String> names, String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no result field " + name);
    }
    return i;
  }
}
