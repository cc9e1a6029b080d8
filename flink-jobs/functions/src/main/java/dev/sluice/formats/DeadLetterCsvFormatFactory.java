package dev.sluice.formats;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.formats.csv.CsvFormatFactory;
import org.apache.flink.formats.csv.CsvFormatOptions;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.utils.TypeConversions;

/**
 * Format {@code sluice-csv}: Flink's own CSV format, strict, that never fails a job and never drops
 * a record, like {@code sluice-json}. A line it cannot read (a wrong number of fields, a value that
 * does not parse as its column's type, an empty line, a non-finite number) becomes a row whose
 * data columns are NULL and whose columns {@code __sluice_error}, {@code __sluice_error_column} and
 * {@code __sluice_raw} say why, where, and what the bytes were; an optional {@code __sluice_line}
 * column gets the line's number (see {@link DeadLetterDeserializationSchema}). CSV is positional:
 * the {@code __sluice_*} columns must come after the data columns, and are not read from the line.
 *
 * <p>Options are those of {@code csv} (under {@code sluice-csv.}), except that
 * {@code ignore-parse-errors} is always false. Works for Kafka values and for the filesystem
 * connector (which reads a deserialization format line by line).
 */
public final class DeadLetterCsvFormatFactory implements DeserializationFormatFactory {
  public static final String IDENTIFIER = "sluice-csv";
  private static final String PREFIX = "__sluice_";

  private final CsvFormatFactory csv = new CsvFormatFactory();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return csv.requiredOptions();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return csv.optionalOptions();
  }

  @Override
  public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
      DynamicTableFactory.Context context, ReadableConfig formatOptions) {
    Configuration strict = new Configuration();
    for (ConfigOption<?> option : csv.optionalOptions()) copy(option, formatOptions, strict);
    strict.set(CsvFormatOptions.IGNORE_PARSE_ERRORS, false);
    DecodingFormat<DeserializationSchema<RowData>> inner = csv.createDecodingFormat(context, strict);
    return new DecodingFormat<>() {
      @Override
      public DeserializationSchema<RowData> createRuntimeDecoder(
          DynamicTableSource.Context sourceContext, DataType physicalDataType) {
        RowType rowType = (RowType) physicalDataType.getLogicalType();
        RowType data = dataColumns(rowType);
        List<DeserializationSchema<RowData>> probes = new ArrayList<>();
        for (RowType probe : CsvColumnLocator.probeTypes(data))
          probes.add(inner.createRuntimeDecoder(sourceContext, TypeConversions.fromLogicalToDataType(probe)));
        return new DeadLetterDeserializationSchema(
            inner.createRuntimeDecoder(sourceContext, TypeConversions.fromLogicalToDataType(data)),
            rowType,
            sourceContext.createTypeInformation(physicalDataType),
            "CSV",
            new CsvColumnLocator(data.getFieldNames().toArray(new String[0]), probes));
      }

      @Override
      public ChangelogMode getChangelogMode() {
        return ChangelogMode.insertOnly();
      }
    };
  }

  /** The leading columns that are not `__sluice_*`; every `__sluice_*` column must follow them. */
  static RowType dataColumns(RowType rowType) {
    List<RowType.RowField> fields = rowType.getFields();
    int arity = 0;
    while (arity < fields.size() && !fields.get(arity).getName().startsWith(PREFIX)) arity++;
    for (RowType.RowField field : fields.subList(arity, fields.size())) {
      if (!field.getName().startsWith(PREFIX))
        throw new ValidationException(
            "sluice-csv: column `" + field.getName() + "` comes after the __sluice_* columns; CSV is positional, declare the data columns first");
    }
    return new RowType(rowType.isNullable(), fields.subList(0, arity));
  }

  private static <T> void copy(ConfigOption<T> option, ReadableConfig from, Configuration to) {
    from.getOptional(option).ifPresent(value -> to.set(option, value));
  }
}
