package dev.sluice.functions.detect;

import dev.sluice.functions.Numbers;
import dev.sluice.functions.Params;
import dev.sluice.functions.ParsedOnce;
import java.io.Serializable;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.AggregateFunction;
import org.apache.flink.types.Row;

/**
 * A streaming anomaly detector as an aggregate over an OVER window: each row is scored against
 * the state learned from the rows before it, then learned from. Use {@code ROWS BETWEEN UNBOUNDED
 * PRECEDING AND CURRENT ROW} per key (the robust detector bounds its own window); bounded OVER
 * windows are refused by the planner (no retract), and so are merging group windows (no merge).
 *
 * <p>Arguments: the value, then the hyper-parameters as one string. Result: {@code expected},
 * {@code spread}, {@code zscore}, {@code anomaly} (|zscore| ≥ threshold), {@code n} rows learned,
 * {@code skipped} rows. A NULL, NaN or infinite value is skipped and counted, and its result has
 * NULL scores; the detector's state never sees it.
 */
@FunctionHint(
    output =
        @DataTypeHint(
            "ROW<expected DOUBLE, spread DOUBLE, zscore DOUBLE, anomaly BOOLEAN,"
                + " n BIGINT, skipped BIGINT>"))
public abstract class Detector<S extends DetectorState, C> extends AggregateFunction<Row, S> {
  /** Makes a detector's empty state; a serializable constructor reference such as {@code State::new}. */
  protected interface StateFactory<S> extends Supplier<S>, Serializable {}

  private final StateFactory<S> newState;
  private final Set<String> keys;
  private transient ParsedOnce<C> config;

  /** A detector whose state {@code newState} makes, taking its own {@code keys} and {@link Scoring}'s. */
  protected Detector(StateFactory<S> newState, String... keys) {
    this.newState = newState;
    this.keys = Scoring.keysWith(keys);
  }

  @Override
  public S createAccumulator() {
    return newState.get();
  }

  protected abstract C parse(Params params);

  /** Scores {@code x} into {@code s}, then learns from it; false (and no change) to refuse it. */
  protected abstract boolean observe(S s, double x, C config);

  /** Scores and learns one value; Flink resolves {@code S} to each detector's own state class. */
  public void accumulate(S s, Double value, String params) {
    if (config == null) {
      config = new ParsedOnce<>(text -> parse(Params.parse(text, keys)));
    }
    C c = config.get(params);
    s.clearScore();
    if (Numbers.usable(value) && observe(s, value, c)) {
      s.n++;
      return;
    }
    s.clearScore();
    s.scored = false;
    s.skipped++;
  }

  @Override
  public Row getValue(S s) {
    if (!s.scored) {
      return Row.of(null, null, null, null, s.n, s.skipped);
    }
    return Row.of(
        Numbers.boxedOrNull(s.expected),
        Numbers.boxedOrNull(s.spread),
        Numbers.boxedOrNull(s.zscore),
        s.anomaly,
        s.n,
        s.skipped);
  }
}
