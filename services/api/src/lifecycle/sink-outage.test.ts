import { describe, expect, it } from "vitest";
import type { FlinkException } from "../flink/port.ts";
import { runHealth } from "./health.ts";
import { databaseOutage, outageReason } from "./sink-outage.ts";

const spec = {
  name: "hourly",
  tables: [
    { name: "transactions", connector: { kind: "kafka", topic: "t" } },
    { name: "totals", connector: { kind: "jdbc", url: "jdbc:postgresql://db:5432/shop?user=a&password=b" } },
    { name: "products", connector: { kind: "jdbc", url: "jdbc:postgresql://db:5432/shop" } },
  ],
  inserts: [{ into: "totals", query: {} }],
};

const refused: FlinkException = {
  timestamp: 1_000,
  message: "Connection to db:5432 refused. Check that the hostname and port are correct",
  taskName: "GlobalWindowAggregate[5] -> Calc[6] -> (ConstraintEnforcer[8] -> Sink: totals[8]) (1/1)",
  exceptionClasses: ["java.io.IOException", "org.postgresql.util.PSQLException", "java.net.ConnectException"],
};

describe("databaseOutage", () => {
  it("names the sink the failing task writes and its database, without credentials", () => {
    const outage = databaseOutage(refused, spec);
    expect(outage).toEqual({
      tables: ["totals"],
      database: "jdbc:postgresql://db:5432/shop",
      detail: refused.message,
      at: 1_000,
    });
    expect(outage && outageReason(outage)).toBe(
      `database jdbc:postgresql://db:5432/shop unreachable for totals: ${refused.message}`,
    );
  });

  it("keeps the driver's reason, not the statement a failed batch quotes", () => {
    const message =
      "Batch entry 0 INSERT INTO totals(a, b) VALUES (('2024-03-01 03:00:00+00'), ('26.65'::numeric)) ON CONFLICT (a) DO UPDATE SET b=EXCLUDED.b was aborted: FATAL: terminating connection due to administrator command  Call getNextException to see other errors in the batch.";
    const outage = databaseOutage(
      { ...refused, message, exceptionClasses: ["java.sql.BatchUpdateException"] },
      spec,
    );
    expect(outage?.detail).toBe("FATAL: terminating connection due to administrator command");
  });

  it("falls back to the tables the job writes when the task is not named", () => {
    const outage = databaseOutage({ ...refused, taskName: undefined }, spec);
    expect(outage?.tables).toEqual(["totals"]);
  });

  it("knows the connector's own messages when the classes are not known", () => {
    const failure = { timestamp: 2, message: "unable to open JDBC writer" };
    expect(databaseOutage(failure, spec)?.tables).toEqual(["totals"]);
  });

  it("is undefined for other failures, jobs without jdbc tables and specs it cannot read", () => {
    const other = { timestamp: 3, message: "boom", exceptionClasses: ["java.lang.RuntimeException"] };
    expect(databaseOutage(other, spec)).toBeUndefined();
    expect(databaseOutage(undefined, spec)).toBeUndefined();
    expect(databaseOutage(refused, { name: "x", tables: [spec.tables[0]] })).toBeUndefined();
    expect(databaseOutage(refused, { name: "x", tables: "nope" })).toBeUndefined();
  });
});

describe("runHealth with a known cause", () => {
  it("says the database is the reason of a restart", () => {
    const health = runHealth({
      flinkJobId: "a1",
      flinkState: "RESTARTING",
      slotsNeeded: 1,
      failures: [refused],
      cause: "database jdbc:postgresql://db:5432/shop unreachable for totals: refused",
    });
    expect(health).toEqual({
      state: "RESTARTING",
      reason:
        "restarting after database jdbc:postgresql://db:5432/shop unreachable for totals: refused, attempt 1",
    });
  });
});
