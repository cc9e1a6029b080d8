import { z } from "zod";
import type { FlinkException } from "../flink/port.ts";

/**
 * A job failing because a database it writes to (or looks rows up in) does not answer: the
 * newest failure Flink reports is a SQL/JDBC exception and the job has `jdbc` tables.
 */
export interface SinkOutage {
  /** The job's `jdbc` tables the failure concerns: the sinks named by the failing task, else all. */
  tables: string[];
  /** The database, as the tables' JDBC URL without credentials or parameters. */
  database: string;
  /** The failure's message (the deepest one Flink's stack trace has). */
  detail: string;
  /** When Flink reported the failure (epoch ms). */
  at: number;
}

/** Exception classes of a database failure: JDBC's (`java.sql.*`) and drivers' (`...SQLException`). */
const SQL_CLASS = /^java\.sql\.|SQLException$|^org\.postgresql\./;
/** What flink-connector-jdbc says when it cannot reach the database (its own exceptions are IOExceptions). */
const JDBC_MESSAGE = /unable to open JDBC writer|Writing records to JDBC failed|JDBC executeBatch/i;

const jobTables = z.object({
  tables: z
    .array(
      z
        .object({
          name: z.string(),
          connector: z.object({ kind: z.string(), url: z.string().optional() }).loose(),
        })
        .loose(),
    )
    .default([]),
  inserts: z.array(z.object({ into: z.string() }).loose()).default([]),
});

/**
 * The database outage behind a job's newest failure, or `undefined` when that failure is not a
 * database's (or the job has no `jdbc` table). Pure: the spec as stored, the failure as read.
 *
 * @example
 * ```ts
 * databaseOutage({ timestamp: 1, message: "Connection to db:5432 refused.", exceptionClasses: ["org.postgresql.util.PSQLException"],
 *   taskName: "... -> Sink: totals[4]" }, spec);
 * // => { tables: ["totals"], database: "jdbc:postgresql://db:5432/shop", detail: "Connection to db:5432 refused.", at: 1 }
 * ```
 */
export function databaseOutage(failure: FlinkException | undefined, spec: unknown): SinkOutage | undefined {
  if (!failure || !isDatabaseFailure(failure)) return undefined;
  const parsed = jobTables.safeParse(spec);
  if (!parsed.success) return undefined;
  const jdbc = parsed.data.tables.filter((t) => t.connector.kind === "jdbc");
  if (jdbc.length === 0) return undefined;
  const task = failure.taskName ?? "";
  const written = new Set(parsed.data.inserts.map((i) => i.into));
  const named = jdbc.filter((t) => task.includes(`Sink: ${t.name}[`));
  const concerned = named.length > 0 ? named : jdbc.filter((t) => written.has(t.name));
  const tables = concerned.length > 0 ? concerned : jdbc;
  const urls = [...new Set(tables.map((t) => withoutCredentials(t.connector.url ?? "")))];
  return {
    tables: tables.map((t) => t.name),
    database: urls.join(", "),
    detail: shortDetail(failure.message),
    at: failure.timestamp,
  };
}

/** The outage in a sentence: "database jdbc:postgresql://db:5432/shop unreachable for totals: Connection ... refused." */
export function outageReason(outage: SinkOutage): string {
  return `database ${outage.database} unreachable for ${outage.tables.join(", ")}: ${outage.detail}`;
}

/**
 * The driver's reason without the statement it was running: PostgreSQL's batch error quotes the
 * whole `INSERT ...` (values included) before "was aborted: <reason>".
 */
function shortDetail(message: string): string {
  const aborted = /\bwas aborted: (.*?)(?:\s+Call getNextException.*)?$/s.exec(message);
  return (aborted?.[1] ?? message).trim().slice(0, 200);
}

function isDatabaseFailure(failure: FlinkException): boolean {
  return (
    (failure.exceptionClasses ?? []).some((c) => SQL_CLASS.test(c)) || JDBC_MESSAGE.test(failure.message)
  );
}

/** `jdbc:postgresql://user:pw@db:5432/shop?password=x` -> `jdbc:postgresql://db:5432/shop`. */
function withoutCredentials(url: string): string {
  return url.replace(/[?;].*$/, "").replace(/\/\/[^/@]*@/, "//");
}
