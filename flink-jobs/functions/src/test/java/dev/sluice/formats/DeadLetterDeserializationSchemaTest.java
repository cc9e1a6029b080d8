package dev.sluice.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class DeadLetterDeserializationSchemaTest {
  private static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

  /** device_id STRING, timestamp BIGINT, temperature DOUBLE, then the three error columns. */
  private static RowType readings(boolean withErrorColumns) {
    List<RowType.RowField> fields = new ArrayList<>();
    fields.add(new RowType.RowField("device_id", STRING));
    fields.add(new RowType.RowField("timestamp", new BigIntType()));
    fields.add(new RowType.RowField("temperature", new DoubleType()));
    if (withErrorColumns) {
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.ERROR, STRING));
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.ERROR_COLUMN, STRING));
      fields.add(new RowType.RowField(DeadLetterDeserializationSchema.RAW, new VarBinaryType(VarBinaryType.MAX_LENGTH)));
    }
    return new RowType(fields);
  }

  private static DeadLetterDeserializationSchema schema(boolean withErrorColumns) throws Exception {
    RowType type = readings(withErrorColumns);
    var inner = new JsonParserRowDataDeserializationSchema(type, TypeInformation.of(RowData.class), false, false, TimestampFormat.SQL);
    var schema = new DeadLetterDeserializationSchema(inner, type, null);
    schema.open(null);
    return schema;
  }

  private static List<RowData> read(DeadLetterDeserializationSchema schema, String value) throws IOException {
    List<RowData> rows = new ArrayList<>();
    byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    schema.deserialize(bytes, new Collector<>() {
      @Override
      public void collect(RowData row) {
        rows.add(row);
      }

      @Override
      public void close() {}
    });
    return rows;
  }

  private static RowData one(String value) throws Exception {
    List<RowData> rows = read(schema(true), value);
    assertEquals(1, rows.size(), "one row per record, never none");
    return rows.get(0);
  }

  @Test
  void aValidRecordKeepsItsValuesAndBytes() throws Exception {
    String json = "{\"device_id\": \"sensor-042\", \"timestamp\": 1700000000000, \"temperature\": 101.3}";
    RowData row = one(json);
    assertEquals("sensor-042", row.getString(0).toString());
    assertEquals(1700000000000L, row.getLong(1));
    assertEquals(101.3, row.getDouble(2));
    assertTrue(row.isNullAt(3));
    assertTrue(row.isNullAt(4));
    assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), row.getBinary(5));
  }

  @Test
  void aWrongTypeNamesItsColumn() throws Exception {
    String json = "{\"device_id\": \"a\", \"timestamp\": 1700000000000, \"temperature\": \"hot\"}";
    RowData row = one(json);
    assertTrue(row.isNullAt(0) && row.isNullAt(1) && row.isNullAt(2), "the columns of a bad record are NULL");
    assertEquals("temperature", row.getString(4).toString());
    assertTrue(row.getString(3).toString().startsWith("field `temperature`: "), row.getString(3).toString());
    assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), row.getBinary(5));
  }

  @Test
  void malformedJsonIsADeadLetter() throws Exception {
    RowData row = one("{\"device_id\": \"a\", \"temperature\": ");
    assertTrue(row.getString(3).toString().startsWith("malformed JSON: "), row.getString(3).toString());
    assertTrue(row.isNullAt(4));
  }

  @Test
  void anEmptyValueIsADeadLetter() throws Exception {
    assertEquals("empty value", one("").getString(3).toString());
    assertEquals("empty value", one(null).getString(3).toString());
  }

  @Test
  void aNonFiniteNumberIsADeadLetter() throws Exception {
    RowData row = one("{\"device_id\": \"a\", \"timestamp\": 1, \"temperature\": \"NaN\"}");
    assertEquals("field `temperature`: not a finite number (NaN)", row.getString(3).toString());
    assertEquals("temperature", row.getString(4).toString());
    assertTrue(row.isNullAt(2));
  }

  @Test
  void aMissingFieldIsNullNotAnError() throws Exception {
    RowData row = one("{\"device_id\": \"a\", \"temperature\": 20.5}");
    assertTrue(row.isNullAt(1));
    assertTrue(row.isNullAt(3), "required columns are checked by the compiled SQL, not here");
  }

  @Test
  void aRecordCannotForgeItsError() throws Exception {
    RowData row = one("{\"device_id\": \"a\", \"timestamp\": 1, \"temperature\": 1.5, \"__sluice_error\": \"x\"}");
    assertTrue(row.isNullAt(3));
  }

  @Test
  void withoutTheErrorColumnsAFailureIsThrown() throws Exception {
    DeadLetterDeserializationSchema strict = schema(false);
    IOException error = assertThrows(IOException.class, () -> read(strict, "{\"temperature\": \"hot\"}"));
    assertTrue(error.getMessage().startsWith("field `temperature`"), error.getMessage());
  }

  @Test
  void theReasonIsOneBoundedLine() {
    Exception nested = new IOException("outer", new RuntimeException("Fail to deserialize at field: t.", new NumberFormatException("a\nb")));
    assertEquals("t", DeadLetterDeserializationSchema.columnOf(nested));
    assertEquals("NumberFormatException: a b", DeadLetterDeserializationSchema.rootMessage(nested));
    assertNull(DeadLetterDeserializationSchema.columnOf(new IOException("x")));
  }
}
