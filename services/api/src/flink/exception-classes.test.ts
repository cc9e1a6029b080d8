import { describe, expect, it } from "vitest";
import { exceptionClasses } from "./exception-classes.ts";

describe("exceptionClasses", () => {
  it("reads the first line and each Caused by, not frames or suppressed ones", () => {
    const trace = [
      "java.io.IOException: unable to open JDBC writer",
      "\tat org.apache.flink.connector.jdbc.internal.JdbcOutputFormat.open(JdbcOutputFormat.java:99)",
      "\tSuppressed: java.lang.RuntimeException: ignored",
      "Caused by: org.postgresql.util.PSQLException: Connection to 127.0.0.1:5432 refused.",
      "\t... 12 more",
      "Caused by: java.net.ConnectException: Connection refused",
    ].join("\n");
    expect(exceptionClasses(trace)).toEqual([
      "java.io.IOException",
      "org.postgresql.util.PSQLException",
      "java.net.ConnectException",
    ]);
  });

  it("is empty for text that is not a stack trace", () => {
    expect(exceptionClasses("something went wrong")).toEqual([]);
  });
});
