package dev.sluice.jdbc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.sink.legacy.RichSinkFunction;
import org.junit.jupiter.api.Test;

class QuietCloseSinkTest {
  /** Stands in for the JDBC sink: buffers rows, writes them on snapshot, and on close like it. */
  static final class BufferingSink extends RichSinkFunction<String> implements CheckpointedFunction {
    final List<String> buffer = new ArrayList<>();
    final List<String> written = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    boolean databaseDown;

    @Override
    public void invoke(String value, Context context) {
      buffer.add(value);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws IOException {
      calls.add("flush");
      if (databaseDown) throw new IOException("Connection to 127.0.0.1:5432 refused");
      written.addAll(buffer);
      buffer.clear();
    }

    @Override
    public void close() {
      calls.add("close");
      if (!buffer.isEmpty() && calls.stream().filter("close"::equals).count() == 1) {
        throw new RuntimeException("Writing records to JDBC failed.");
      }
    }
  }

  @Test
  void aFailedWriteInCloseDoesNotEscapeAndTheConnectionIsReleased() throws Exception {
    BufferingSink jdbc = new BufferingSink();
    QuietCloseSink<String> sink = new QuietCloseSink<>(jdbc);
    sink.invoke("row", null);
    jdbc.databaseDown = true;
    assertThrows(IOException.class, () -> sink.snapshotState(null), "a checkpoint still fails");
    assertDoesNotThrow(sink::close);
    assertEquals(List.of("flush", "close", "close"), jdbc.calls);
  }

  @Test
  void finishWritesTheBufferAndFailsWhenItCannot() throws Exception {
    BufferingSink jdbc = new BufferingSink();
    QuietCloseSink<String> sink = new QuietCloseSink<>(jdbc);
    sink.invoke("a", null);
    sink.finish();
    assertEquals(List.of("a"), jdbc.written);

    BufferingSink down = new BufferingSink();
    QuietCloseSink<String> failing = new QuietCloseSink<>(down);
    failing.invoke("b", null);
    down.databaseDown = true;
    assertThrows(IOException.class, failing::finish, "the end of input cannot lose rows silently");
  }

  @Test
  void aCleanCloseClosesOnce() throws Exception {
    BufferingSink jdbc = new BufferingSink();
    QuietCloseSink<String> sink = new QuietCloseSink<>(jdbc);
    sink.invoke("a", null);
    sink.snapshotState(null);
    sink.close();
    assertEquals(List.of("a"), jdbc.written);
    assertEquals(List.of("flush", "close"), jdbc.calls);
  }
}
