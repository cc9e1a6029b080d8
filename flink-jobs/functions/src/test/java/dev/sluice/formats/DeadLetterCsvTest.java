package dev.sluice.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.csv.CsvRowDataDeserializationSchema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** `sluice-csv`: the trade files' `date,amount,user_id` lines, read the way the filesystem source reads them. */
class DeadLetterCsvTest {
  private static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

  private static RowType trades(boolean withErrorColumns) {
    List<RowType.RowField> fields = new ArrayList<>();
    fields.add(new RowType.RowField("date", new TimestampType(3)));
    fields.add(new RowType.RowField("amount", new DecimalType(12, 2)));
    fields.add(new RowType.RowField("user_id", STRING));
    if (withErrorColumns) {
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.ERROR, STRING));
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.ERROR_COLUMN, STRING));
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.RAW, new VarBinaryType(VarBinaryType.MAX_LENGTH)));
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.LINE, new BigIntType()));
    }
    return new RowType(fields);
  }

  private static DeserializationSchema<RowData> csv(RowType type) {
    return new CsvRowDataDeserializationSchema.Builder(type, TypeInformation.of(RowData.class)).build();
  }

  /** Built like {@link DeadLetterCsvFormatFactory} builds it, with Flink's CSV deserializer. */
  private static DeadLetterDeserializationSchema schema(boolean withErrorColumns) throws Exception {
    RowType type = trades(withErrorColumns);
    RowType data = DeadLetterCsvFormatFactory.dataColumns(type);
    List<DeserializationSchema<RowData>> probes = new ArrayList<>();
    for (RowType probe : CsvColumnLocator.probeTypes(data)) probes.add(csv(probe));
    var locator = new CsvColumnLocator(data.getFieldNames().toArray(new String[0]), probes);
    var schema = new DeadLetterDeserializationSchema(csv(data), type, null, "CSV", locator);
    schema.open(null);
    return schema;
  }

  private static List<RowData> read(DeadLetterDeserializationSchema schema, String... lines) throws IOException {
    List<RowData> rows = new ArrayList<>();
    Collector<RowData> out = new Collector<>() {
      @Override
      public void collect(RowData row) {
        rows.add(row);
      }

      @Override
      public void close() {}
    };
    for (String line : lines) schema.deserialize(line.getBytes(StandardCharsets.UTF_8), out);
    return rows;
  }

  private static RowData one(String line) throws Exception {
    List<RowData> rows = read(schema(true), line);
    assertEquals(1, rows.size(), "one row per line, never none");
    return rows.get(0);
  }

  @Test
  void aValidLineKeepsItsValuesBytesAndLineNumber() throws Exception {
    List<RowData> rows = read(schema(true), "2024-03-01 09:05:00,12.50,u1", "2024-03-01 09:40:00,7.00,u2");
    RowData row = rows.get(1);
    assertEquals("2024-03-01T09:40", row.getTimestamp(0, 3).toLocalDateTime().toString());
    assertEquals(new BigDecimal("7.00"), row.getDecimal(1, 12, 2).toBigDecimal());
    assertEquals("u2", row.getString(2).toString());
    assertTrue(row.isNullAt(3) && row.isNullAt(4));
    assertArrayEquals("2024-03-01 09:40:00,7.00,u2".getBytes(StandardCharsets.UTF_8), row.getBinary(5));
    assertEquals(2L, row.getLong(6));
    assertEquals(1L, rows.get(0).getLong(6));
  }

  @Test
  void aValueThatDoesNotParseNamesItsColumn() throws Exception {
    RowData row = one("2024-03-01 10:16:00,not-a-number,u2");
    assertTrue(row.isNullAt(0) && row.isNullAt(1) && row.isNullAt(2), "the columns of a bad line are NULL");
    assertEquals("amount", row.getString(4).toString());
    assertTrue(row.getString(3).toString().startsWith("field `amount`: NumberFormatException"), row.getString(3).toString());
    assertArrayEquals("2024-03-01 10:16:00,not-a-number,u2".getBytes(StandardCharsets.UTF_8), row.getBinary(5));
    assertEquals(1L, row.getLong(6));
    assertEquals("date", one("yesterday,1.00,u1").getString(4).toString());
    assertEquals("amount", one("2024-03-01 10:16:00,,u2").getString(4).toString(), "an empty DECIMAL");
  }

  @Test
  void aWrongNumberOfFieldsIsMalformed() throws Exception {
    RowData row = one("2024-03-01 10:16:00,1.00");
    assertTrue(row.getString(3).toString().startsWith("malformed CSV: "), row.getString(3).toString());
    assertTrue(row.isNullAt(4), "no one column is to blame");
    assertTrue(one("2024-03-01 10:16:00,1.00,u1,extra").getString(3).toString().startsWith("malformed CSV: "));
  }

  @Test
  void anEmptyLineIsADeadLetter() throws Exception {
    assertEquals("empty value", one("").getString(3).toString());
  }

  @Test
  void aRecordCannotForgeItsError() throws Exception {
    RowData row = one("2024-03-01 10:16:00,1.00,u1");
    assertTrue(row.isNullAt(3) && row.isNullAt(4));
  }

  @Test
  void withoutTheErrorColumnsAFailureIsThrown() throws Exception {
    DeadLetterDeserializationSchema strict = schema(false);
    IOException error = assertThrows(IOException.class, () -> read(strict, "x,1.00,u1"));
    assertTrue(error.getMessage().startsWith("field `date`"), error.getMessage());
  }

  @Test
  void theSluiceColumnsFollowTheDataColumns() {
    List<RowType.RowField> fields = new ArrayList<>(trades(true).getFields());
    fields.add(new RowType.RowField("late", STRING));
    assertThrows(ValidationException.class, () -> DeadLetterCsvFormatFactory.dataColumns(new RowType(fields)));
    assertEquals(3, DeadLetterCsvFormatFactory.dataColumns(trades(true)).getFieldCount());
  }
}
