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
 * Runs a strict deserializer (Flink's JSON or CSV) and turns each failure into a row: the data
 * columns NULL, the error columns filled (see {@link DeadLetterJsonFormatFactory},
 * {@link DeadLetterCsvFormatFactory}). The JSON deserializer reads the whole row type, error
 * columns included: JSON records do not have them, so they come out NULL and are then set here,
 * without copying the row. The CSV one reads the data columns only (CSV is positional); its row is
 * widened here. With a {@code __sluice_line} column each row carries its 1-based number among the
 * records this instance read: the filesystem source clones one per file split and replays a
 * restored split from its start, so for a file read as one split it is the line number.
 */
final class DeadLetterDeserializationSchema implements DeserializationSchema<RowData> {
  private static final long serialVersionUID = 1L;
  static final String ERROR = "__sluice_error";
  static final String ERROR_COLUMN = "__sluice_error_column";
  static final String RAW = "__sluice_raw";
  static final String LINE = "__sluice_line";
  private static final String AT_FIELD = "Fail to deserialize at field: ";
  private static final int MAX_REASON = 300;

  private final DeserializationSchema<RowData> inner;
  private final TypeInformation<RowData> producedType;
  private final String[] names;
  private final int errorIndex;
  private final int columnIndex;
  private final int rawIndex;
  private final int lineIndex;
  /** `JSON` or `CSV`, for reasons. */
  private final String format;
  private final ColumnLocator locator;
  /** DOUBLE and FLOAT columns: NaN or an infinity there is an error (JSON has neither). */
  private final int[] floating;

  private final RowType rowType;
  private transient Capture capture;
  private transient RowData.FieldGetter[] getters;
  private transient long lines;

  /** Finds the column a record that failed to deserialize broke; null when it is the whole record. */
  interface ColumnLocator extends java.io.Serializable {
    String columnOf(byte[] message, Throwable error);

    default void open(InitializationContext context) throws Exception {}
  }

  DeadLetterDeserializationSchema(
      DeserializationSchema<RowData> inner, RowType rowType, TypeInformation<RowData> producedType) {
    this(inner, rowType, producedType, "JSON", new NamedByConverter());
  }

  /** JSON: Flink's converter names the field in its message. */
  private static final class NamedByConverter implements ColumnLocator {
    private static final long serialVersionUID = 1L;

    @Override
    public String columnOf(byte[] message, Throwable error) {
      return DeadLetterDeserializationSchema.columnOf(error);
    }
  }

  DeadLetterDeserializationSchema(
      DeserializationSchema<RowData> inner,
      RowType rowType,
      TypeInformation<RowData> producedType,
      String format,
      ColumnLocator locator) {
    this.inner = inner;
    this.format = format;
    this.locator = locator;
    this.producedType = producedType;
    this.rowType = rowType;
    List<String> fieldNames = rowType.getFieldNames();
    this.names = fieldNames.toArray(new String[0]);
    this.errorIndex = fieldNames.indexOf(ERROR);
    this.columnIndex = fieldNames.indexOf(ERROR_COLUMN);
    this.rawIndex = fieldNames.indexOf(RAW);
    this.lineIndex = fieldNames.indexOf(LINE);
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
    locator.open(context);
    capture = new Capture();
    lines = 0;
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
    lines++;
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
      String column = locator.columnOf(message, e);
      String reason =
          (column == null ? "malformed " + format + ": " : "field `" + column + "`: ") + rootMessage(e);
      out.collect(failure(reason, column, message, e));
      return;
    }
    if (row == null) {
      out.collect(failure("not a " + format + " record", null, message, null));
      return;
    }
    GenericRowData wide = widen(row);
    for (int i : floating) {
      if (!wide.isNullAt(i) && !Double.isFinite(valueAt(wide, i))) {
        String reason = "field `" + names[i] + "`: not a finite number (" + valueAt(wide, i) + ")";
        out.collect(failure(reason, names[i], message, null));
        return;
      }
    }
    out.collect(withRaw(wide, message));
  }

  private static double valueAt(GenericRowData row, int i) {
    return ((Number) row.getField(i)).doubleValue();
  }

  /** The row as a {@link GenericRowData} of the whole type (the CSV row has the data columns only). */
  private GenericRowData widen(RowData row) {
    if (row instanceof GenericRowData g && g.getArity() == names.length) return g;
    GenericRowData out = new GenericRowData(row.getRowKind(), names.length);
    int arity = Math.min(row.getArity(), names.length);
    for (int i = 0; i < arity; i++)
      out.setField(i, row instanceof GenericRowData g ? g.getField(i) : getters[i].getFieldOrNull(row));
    return out;
  }

  private RowData withRaw(GenericRowData out, byte[] message) {
    if (errorIndex >= 0) out.setField(errorIndex, null);
    if (columnIndex >= 0) out.setField(columnIndex, null);
    if (rawIndex >= 0) out.setField(rawIndex, message);
    if (lineIndex >= 0) out.setField(lineIndex, lines);
    return out;
  }

  /** A row of NULLs with the error columns set; without an error column, the failure is thrown. */
  private RowData failure(String reason, String column, byte[] message, Exception cause)
      throws IOException {
    if (errorIndex < 0) throw new IOException(reason, cause);
    GenericRowData row = new GenericRowData(names.length);
    row.setField(errorIndex, StringData.fromString(reason));
    if (columnIndex >= 0 && column != null) row.setField(columnIndex, StringData.fromString(column));
    if (rawIndex >= 0) row.setField(rawIndex, message == null ? new byte[0] : message);
    if (lineIndex >= 0) row.setField(lineIndex, lines);
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
