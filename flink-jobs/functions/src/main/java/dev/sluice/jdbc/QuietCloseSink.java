package dev.sluice.jdbc;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFunction;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.InputTypeConfigurable;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.sink.legacy.RichSinkFunction;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink function that behaves as the one it wraps, except that {@code close()} never throws.
 *
 * <p>Why no row is lost: the wrapped JDBC sink writes its buffer on every checkpoint (a checkpoint
 * whose write fails fails), so rows still buffered at {@code close()} came after the last completed
 * checkpoint, and a restart from that checkpoint sends them again (the upsert by primary key makes
 * the second write harmless). The ends that do not restart write here first and throw as before:
 * {@link #finish()} (end of input, stop with drain) writes the buffer and fails the task when it
 * cannot; a stop with a savepoint writes it in the savepoint. A failed write in {@code close()} is
 * logged, and the connection is released.
 */
final class QuietCloseSink<T> extends RichSinkFunction<T>
    implements CheckpointedFunction, InputTypeConfigurable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(QuietCloseSink.class);

  private final SinkFunction<T> sink;

  QuietCloseSink(SinkFunction<T> sink) {
    this.sink = sink;
  }

  @Override
  public void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    if (sink instanceof RichFunction rich) rich.setRuntimeContext(context);
  }

  @Override
  public void setInputType(TypeInformation<?> type, ExecutionConfig config) {
    if (sink instanceof InputTypeConfigurable configurable) configurable.setInputType(type, config);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    if (sink instanceof RichFunction rich) rich.open(openContext);
  }

  @Override
  public void invoke(T value, Context context) throws Exception {
    sink.invoke(value, context);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    if (sink instanceof CheckpointedFunction checkpointed) checkpointed.initializeState(context);
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    if (sink instanceof CheckpointedFunction checkpointed) checkpointed.snapshotState(context);
  }

  /** End of input: writes the buffer (the JDBC sink's snapshot is its flush) and throws on failure. */
  @Override
  public void finish() throws Exception {
    sink.finish();
    if (sink instanceof CheckpointedFunction checkpointed) checkpointed.snapshotState(null);
  }

  @Override
  public void close() {
    if (!(sink instanceof RichFunction rich)) return;
    try {
      rich.close();
    } catch (Exception e) {
      LOG.warn(
          "The JDBC sink could not write its buffered rows while its task stopped; a restart"
              + " writes them again from the last checkpoint. Cause: {}",
          rootMessage(e));
      // The wrapped close() threw before releasing its connection; a second call releases it.
      try {
        rich.close();
      } catch (Exception again) {
        LOG.debug("Closing the JDBC sink a second time", again);
      }
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root == e ? String.valueOf(e) : e + " <- " + root;
  }
}
