package dev.sluice.formats;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;

/**
 * Runs a strict JSON deserializer and turns each failure into a row: the JSON columns NULL, the
 * error columns filled (see {@link DeadLetterJsonFormatFactory}). The inner deserializer reads the
 * whole row type, error columns included: JSON records do not have them, so they come out NULL
 * and are then set here, without copying the row.
 */
final class DeadLetterDeserializationSchema implements DeserializationSchema<RowData> {
  private static final long serialVersionUID = 1L;
  static final String ERROR = "__sluice_error";
  static final String ERROR_COLUMN = "__sluice_error_column";
  static final String RAW = "__sluice_raw";
  private static final String AT_FIELD = "Fail to deserialize at field: ";
  private static final int MAX_REASON = 300;

  private final DeserializationSchema<RowData> inner;
  private final TypeInformation<RowData> producedType;
  private final String[] names;
  private final int errorIndex;
  private final int columnIndex;
  private final int rawIndex;
  /** DOUBLE and FLOAT columns: NaN or an infinity there is an error (JSON has neither). */
  private final int[] floating;

  private final RowType rowType;
  private transient Capture capture;
  private transient RowData.FieldGetter[] getters;

  DeadLetterDeserializationSchema(
      DeserializationSchema<RowData> inner, RowType rowType, TypeInformation<RowData> producedType) {
    this.inner = inner;
    this.producedType = producedType;
    this.rowType = rowType;
    List<String> fieldNames = rowType.getFieldNames();
    this.names = fieldNames.toArray(new String[0]);
    this.errorIndex = fieldNames.indexOf(ERROR);
    this.columnIndex = fieldNames.indexOf(ERROR_COLUMN);
    this.rawIndex = fieldNames.indexOf(RAW);
    this.floating =
        java.util.stream.IntStream.range(0, names.length)
            .filter(
                i -> {
                  LogicalTypeRoot root = rowType.getTypeAt(i).getTypeRoot();
                  return root == LogicalTypeRoot.DOUBLE || root == LogicalTypeRoot.FLOAT;
                })
            .toArray();
  }

  @Override
  public void open(InitializationContext context) throws Exception {
    inner.open(context);
    capture = new Capture();
    getters = new RowData.FieldGetter[names.length];
    for (int i = 0; i < names.length; i++) getters[i] = RowData.createFieldGetter(rowType.getTypeAt(i), i);
  }

  @Override
  public RowData deserialize(byte[] message) throws IOException {
    Capture one = new Capture();
    deserialize(message, one);
    return one.row;
  }

  @Override
  public void deserialize(byte[] message, Collector<RowData> out) throws IOException {
    if (message == null || message.length == 0) {
      out.collect(failure("empty value", null, message, null));
      return;
    }
    RowData row;
    try {
      capture.row = null;
      inner.deserialize(message, capture);
      row = capture.row;
    } catch (IOException | RuntimeException e) {
      String column = columnOf(e);
      String reason = (column == null ? "malformed JSON: " : "field `" + column + "`: ") + rootMessage(e);
      out.collect(failure(reason, column, message, e));
      return;
    }
    if (row == null) {
      out.collect(failure("not a JSON object", null, message, null));
      return;
    }
    for (int i : floating) {
      if (!row.isNullAt(i) && !Double.isFinite(valueAt(row, i))) {
        String reason = "field `" + names[i] + "`: not a finite number (" + valueAt(row, i) + ")";
        out.collect(failure(reason, names[i], message, null));
        return;
      }
    }
    out.collect(withRaw(row, message));
  }

  private double valueAt(RowData row, int i) {
    return row instanceof GenericRowData g ? ((Number) g.getField(i)).doubleValue() : row.getDouble(i);
  }

  private RowData withRaw(RowData row, byte[] message) {
    GenericRowData out;
    if (row instanceof GenericRowData g) out = g;
    else {
      out = new GenericRowData(row.getRowKind(), names.length);
      for (int i = 0; i < names.length; i++) out.setField(i, copyOf(row, i));
    }
    if (errorIndex >= 0) out.setField(errorIndex, null);
    if (columnIndex >= 0) out.setField(columnIndex, null);
    if (rawIndex >= 0) out.setField(rawIndex, message);
    return out;
  }

  private Object copyOf(RowData row, int i) {
    return getters[i].getFieldOrNull(row);
  }

  /** A row of NULLs with the error columns set; without an error column, the failure is thrown. */
  private RowData failure(String reason, String column, byte[] message, Exception cause)
      throws IOException {
    if (errorIndex < 0) throw new IOException(reason, cause);
    GenericRowData row = new GenericRowData(names.length);
    row.setField(errorIndex, StringData.fromString(reason));
    if (columnIndex >= 0 && column != null) row.setField(columnIndex, StringData.fromString(column));
    if (rawIndex >= 0) row.setField(rawIndex, message == null ? new byte[0] : message);
    return row;
  }

  /** The column named by Flink's converter ("Fail to deserialize at field: x."), innermost wins. */
  static String columnOf(Throwable error) {
    String column = null;
    for (Throwable t = error; t != null; t = t.getCause()) {
      String message = t.getMessage();
      int at = message == null ? -1 : message.indexOf(AT_FIELD);
      if (at >= 0) {
        String rest = message.substring(at + AT_FIELD.length());
        column = rest.endsWith(".") ? rest.substring(0, rest.length() - 1) : rest;
      }
    }
    return column;
  }

  /** The innermost cause's type and message, on one line, bounded. */
  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = root.getMessage() == null ? "" : ": " + root.getMessage();
    String text = (root.getClass().getSimpleName() + message).replaceAll("\\s+", " ");
    return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON) + "...";
  }

  @Override
  public boolean isEndOfStream(RowData nextElement) {
    return false;
  }

  @Override
  public TypeInformation<RowData> getProducedType() {
    return producedType;
  }

  private static final class Capture implements Collector<RowData> {
    RowData row;

    @Override
    public void collect(RowData record) {
      row = record;
    }

    @Override
    public void close() {}
  }
}
