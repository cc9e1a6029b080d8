package dev.sluice.formats;

import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.formats.json.JsonFormatFactory;
import org.apache.flink.formats.json.JsonFormatOptions;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Format {@code sluice-json}: Flink's own JSON format, strict, that never fails a job and never
 * drops a record. A record it cannot read (malformed JSON, a wrong type, an empty value, a
 * non-finite number) becomes a row whose JSON columns are NULL and whose columns
 * {@code __sluice_error}, {@code __sluice_error_column} and {@code __sluice_raw} say why, where,
 * and what the bytes were; every row carries its bytes in {@code __sluice_raw}. Sluice's compiler
 * routes those rows to a dead-letter topic (see docs/ARCHITECTURE.md, "Dead letters").
 *
 * <p>Options are those of {@code json} (under {@code sluice-json.}), except that
 * {@code ignore-parse-errors} is always false: ignoring is what this format replaces.
 */
public final class DeadLetterJsonFormatFactory implements DeserializationFormatFactory {
  public static final String IDENTIFIER = "sluice-json";

  private final JsonFormatFactory json = new JsonFormatFactory();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return json.requiredOptions();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return json.optionalOptions();
  }

  @Override
  public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
      DynamicTableFactory.Context context, ReadableConfig formatOptions) {
    Configuration strict = new Configuration();
    for (ConfigOption<?> option : json.optionalOptions()) copy(option, formatOptions, strict);
    strict.set(JsonFormatOptions.IGNORE_PARSE_ERRORS, false);
    DecodingFormat<DeserializationSchema<RowData>> inner = json.createDecodingFormat(context, strict);
    return new DecodingFormat<>() {
      @Override
      public DeserializationSchema<RowData> createRuntimeDecoder(
          DynamicTableSource.Context sourceContext, DataType physicalDataType) {
        return new DeadLetterDeserializationSchema(
            inner.createRuntimeDecoder(sourceContext, physicalDataType),
            (RowType) physicalDataType.getLogicalType(),
            sourceContext.createTypeInformation(physicalDataType));
      }

      @Override
      public ChangelogMode getChangelogMode() {
        return ChangelogMode.insertOnly();
      }
    };
  }

  private static <T> void copy(ConfigOption<T> option, ReadableConfig from, Configuration to) {
    from.getOptional(option).ifPresent(value -> to.set(option, value));
  }
}
