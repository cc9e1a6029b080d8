package dev.sluice.jdbc;

import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.legacy.SinkFunctionProvider;

/** The JDBC table sink with its sink function wrapped in a {@link QuietCloseSink}. */
final class QuietCloseTableSink implements DynamicTableSink {
  private final DynamicTableSink jdbc;

  QuietCloseTableSink(DynamicTableSink jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    return jdbc.getChangelogMode(requestedMode);
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    SinkRuntimeProvider provider = jdbc.getSinkRuntimeProvider(context);
    if (!(provider instanceof SinkFunctionProvider functions)) {
      throw new IllegalStateException(
          "sluice-jdbc wraps the JDBC connector's SinkFunctionProvider, got "
              + provider.getClass().getName());
    }
    return SinkFunctionProvider.of(
        new QuietCloseSink<>(functions.createSinkFunction()),
        functions.getParallelism().orElse(null));
  }

  @Override
  public DynamicTableSink copy() {
    return new QuietCloseTableSink(jdbc.copy());
  }

  @Override
  public String asSummaryString() {
    return jdbc.asSummaryString();
  }
}
