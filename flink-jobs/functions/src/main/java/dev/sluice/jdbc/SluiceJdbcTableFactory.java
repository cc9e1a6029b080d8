package dev.sluice.jdbc;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.connector.jdbc.core.table.JdbcDynamicTableFactory;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;

/**
 * Connector {@code sluice-jdbc}: Flink's {@code jdbc} connector (flink-connector-jdbc 4.0.0-2.0),
 * same options, same sources and lookups, whose sink cannot take the TaskManager down with it.
 *
 * <p>The connector's sink flushes its buffered rows in {@code close()} and rethrows a failed flush.
 * Flink 2.x closes the operators of a failed task during its cleanup, and an exception there is
 * "FATAL - exception in exception handler of task": the whole TaskManager exits, failing every job
 * on it. So when the database goes down, one job's sink kills the others. {@link QuietCloseSink}
 * keeps the sink's behaviour and only stops a failed last flush in {@code close()} from escaping
 * (see there why no row is lost).
 */
public final class SluiceJdbcTableFactory
    implements DynamicTableSourceFactory, DynamicTableSinkFactory {
  public static final String IDENTIFIER = "sluice-jdbc";

  private final JdbcDynamicTableFactory jdbc = new JdbcDynamicTableFactory();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return jdbc.requiredOptions();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return jdbc.optionalOptions();
  }

  @Override
  public Set<ConfigOption<?>> forwardOptions() {
    return jdbc.forwardOptions();
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    return jdbc.createDynamicTableSource(context);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    return new QuietCloseTableSink(jdbc.createDynamicTableSink(context));
  }
}
