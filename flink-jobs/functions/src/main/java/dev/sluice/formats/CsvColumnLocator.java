package dev.sluice.formats;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * Finds the column of a CSV line that Flink's CSV format could not read. Flink's message names
 * the line, not the column, so the line is read again by probes, only when it failed: first with
 * every column as STRING (if that fails, the line as a whole is malformed, e.g. a wrong number of
 * fields), then once per column with that column's own type and the others as STRING; the first
 * probe that fails names the column.
 */
final class CsvColumnLocator implements DeadLetterDeserializationSchema.ColumnLocator {
  private static final long serialVersionUID = 1L;
  private static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

  private final String[] names;
  /** The all-STRING probe, then one per column. */
  private final List<DeserializationSchema<RowData>> probes;

  CsvColumnLocator(String[] names, List<DeserializationSchema<RowData>> probes) {
    this.names = names;
    this.probes = probes;
  }

  /** The probes' row types for the data columns of a CSV row: all STRING, then column i typed. */
  static List<RowType> probeTypes(RowType data) {
    List<RowType> types = new ArrayList<>();
    types.add(probeType(data, -1));
    for (int i = 0; i < data.getFieldCount(); i++) types.add(probeType(data, i));
    return types;
  }

  private static RowType probeType(RowType data, int typed) {
    List<RowType.RowField> fields = new ArrayList<>();
    for (int i = 0; i < data.getFieldCount(); i++)
      fields.add(new RowType.RowField(data.getFieldNames().get(i), i == typed ? data.getTypeAt(i) : STRING));
    return new RowType(fields);
  }

  @Override
  public void open(InitializationContext context) throws Exception {
    for (DeserializationSchema<RowData> probe : probes) probe.open(context);
  }

  @Override
  public String columnOf(byte[] message, Throwable error) {
    if (!reads(probes.get(0), message)) return null;
    for (int i = 1; i < probes.size(); i++) if (!reads(probes.get(i), message)) return names[i - 1];
    return null;
  }

  private static boolean reads(DeserializationSchema<RowData> probe, byte[] message) {
    try {
      return probe.deserialize(message) != null;
    } catch (Exception e) {
      return false;
    }
  }
}
