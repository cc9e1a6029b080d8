import type { BlackholeConnectorConfig } from "../connectors/blackhole.ts";
import type { DatagenConnectorConfig } from "../connectors/datagen.ts";
import type { FilesystemConnectorConfig } from "../connectors/filesystem.ts";
import type { ConnectorConfig, Format } from "../connectors/index.ts";
import type { JdbcConnectorConfig } from "../connectors/jdbc.ts";
import type { KafkaConnectorConfig } from "../connectors/kafka.ts";
import type { PrintConnectorConfig } from "../connectors/print.ts";
import type { UpsertKafkaConnectorConfig } from "../connectors/upsert-kafka.ts";
import type { Expr, Interval } from "../expressions.ts";
import type { From, Query, WindowSpec } from "../query.ts";
import type { TableSpec, TimeFormat, ViewSpec } from "../spec.ts";
import type { AnyRow, ColumnDef, Ex, Family, RowOf, TypeDef } from "./types.ts";

/**
 * Anything a query can read: a table, a view, an enrichment's output, a
 * windowed table, or a subquery. `row(qualifier)` gives typed column
 * references (qualified when the query has several inputs).
 */
export interface Relation<N extends string = string, R extends AnyRow = AnyRow> {
  readonly name: N;
  fromNode(alias?: string): From;
  row(qualifier?: string): R;
}

/** Family (and array element family) of each column, known at runtime to build typed references. */
export type Families = Record<string, { family: Family; element?: unknown }>;

export function rowFrom<R extends AnyRow>(families: Families, qualifier?: string): R {
  const row: Record<string, Ex> = {};
  for (const [name, info] of Object.entries(families)) {
    const node: Expr =
      qualifier === undefined ? { kind: "column", name } : { kind: "column", name, table: qualifier };
    row[name] =
      info.element === undefined
        ? { node, family: info.family }
        : { node, family: info.family, element: info.element };
  }
  return row as R;
}

/** The families of a row of expressions. */
export function familiesOf(row: AnyRow): Families {
  const out: Families = {};
  for (const [name, e] of Object.entries(row)) {
    out[name] = e.element === undefined ? { family: e.family } : { family: e.family, element: e.element };
  }
  return out;
}

/** The families of the columns of `row` named in `keep`, in the row's order. */
export function keptFamilies(row: AnyRow, keep: ReadonlySet<string>): Families {
  const out: Families = {};
  for (const [name, info] of Object.entries(familiesOf(row))) if (keep.has(name)) out[name] = info;
  return out;
}

/** A relation read by its catalog name (`name [AS alias]`), its columns typed by `families`. */
export function namedRelation<N extends string, R extends AnyRow>(
  name: N,
  families: Families,
): Relation<N, R> {
  return {
    name,
    fromNode: (alias) => ({ kind: "table", name, as: alias }),
    row: (qualifier) => rowFrom(families, qualifier),
  };
}

// ----------------------------------------------------------------- columns

/** A computed column: `computed(toTimestampLtz(col("ts_ms")))` -> `` `ts` AS TO_TIMESTAMP_LTZ(`ts_ms`, 3) ``. */
export function computed<F extends Family, E>(expression: Ex<F, E>): ColumnDef<F, E> {
  return {
    family: expression.family,
    writable: false,
    sqlType: undefined,
    toColumn: (name) => ({ kind: "computed", name, expression: expression.node }),
  };
}

/**
 * A typed time read from the record's `field`, written by producers in `format`
 * (`epoch-millis`, `epoch-seconds`, `iso-8601` or `sql`). The field becomes a physical
 * column (BIGINT or STRING) under its own name, the time a computed column.
 *
 * @example
 * table("sensor_data", { device_id: t.string(), event_time: timeField("timestamp", "epoch-millis") }, ...)
 * // `timestamp` BIGINT, `event_time` AS TO_TIMESTAMP_LTZ(`timestamp`, 3)
 */
export function timeField(field: string, format: TimeFormat): ColumnDef<"timestamp"> {
  return {
    family: "timestamp",
    writable: false,
    sqlType: undefined,
    toColumn: (name) => ({ kind: "time", name, field, format }),
  };
}

/** A processing-time attribute: `` `proc_time` AS PROCTIME() ``. */
export function proctime(): ColumnDef<"timestamp"> {
  return computed<"timestamp", unknown>({
    node: { kind: "call", fn: "PROCTIME", args: [] },
    family: "timestamp",
  });
}

/** A metadata column, e.g. Kafka's record time: `metadata(t.timestampLtz(3), "timestamp", { virtual: true })`. */
export function metadata<F extends Family, E>(
  type: TypeDef<F, E>,
  key?: string,
  options: { virtual?: boolean } = {},
): ColumnDef<F, E> {
  return {
    family: type.family,
    writable: options.virtual !== true,
    sqlType: type.sqlType,
    toColumn: (name) => ({ kind: "metadata", name, type: type.sqlType, key, virtual: options.virtual }),
  };
}

/** A reference to a column by name, for computed columns (which see the table's other columns). */
export function col<F extends Family>(name: string, family: F): Ex<F> {
  return { node: { kind: "column", name }, family };
}

// ------------------------------------------------------------- connectors

type FormatInput = Format | Format["kind"];
const toFormat = (format: FormatInput): Format =>
  (typeof format === "string" ? { kind: format } : format) as Format;

/** A Kafka topic (append-only stream); `format` may be `"json"`, `"csv"`, `"raw"` or a format object. */
export function kafka(
  options: Omit<KafkaConnectorConfig, "kind" | "format" | "key"> & {
    format: FormatInput;
    key?: { format: FormatInput; fields: string[] };
  },
): KafkaConnectorConfig {
  const { format, key, ...rest } = options;
  return {
    kind: "kafka",
    ...rest,
    format: toFormat(format),
    ...(key === undefined ? {} : { key: { format: toFormat(key.format), fields: key.fields } }),
  };
}

/** A Kafka topic read and written as a changelog keyed by the table's primary key. */
export function upsertKafka(
  options: Omit<UpsertKafkaConnectorConfig, "kind" | "keyFormat" | "valueFormat"> & {
    keyFormat?: FormatInput;
    valueFormat?: FormatInput;
  },
): UpsertKafkaConnectorConfig {
  const { keyFormat, valueFormat, ...rest } = options;
  return {
    kind: "upsert-kafka",
    ...rest,
    keyFormat: toFormat(keyFormat ?? "json"),
    valueFormat: toFormat(valueFormat ?? "json"),
  };
}

export function filesystem(
  options: Omit<FilesystemConnectorConfig, "kind" | "format"> & { format: FormatInput },
): FilesystemConnectorConfig {
  return { kind: "filesystem", ...options, format: toFormat(options.format) };
}
export const jdbc = (options: Omit<JdbcConnectorConfig, "kind">): JdbcConnectorConfig => ({
  kind: "jdbc",
  ...options,
});
export const datagen = (options: Omit<DatagenConnectorConfig, "kind"> = {}): DatagenConnectorConfig => ({
  kind: "datagen",
  ...options,
});
export const print = (options: Omit<PrintConnectorConfig, "kind"> = {}): PrintConnectorConfig => ({
  kind: "print",
  ...options,
});
export const blackhole = (
  options: Omit<BlackholeConnectorConfig, "kind"> = {},
): BlackholeConnectorConfig => ({
  kind: "blackhole",
  ...options,
});

// ------------------------------------------------------------------ tables

type KeysOfFamily<C, F extends Family> = { [K in keyof C]: C[K] extends { family: F } ? K : never }[keyof C] &
  string;

export interface TableOptions<C> {
  connector: ConnectorConfig;
  description?: string;
  primaryKey?: (keyof C & string)[];
  /** Event time: a timestamp column and how late its rows may arrive. */
  watermark?: { column: KeysOfFamily<C, "timestamp">; delay: Interval };
}

/** A declared table; its columns give the row type of queries reading it. */
export interface Table<
  N extends string = string,
  C extends Record<string, ColumnDef> = Record<string, ColumnDef>,
> extends Relation<N, RowOf<C>> {
  readonly columns: C;
  toSpec(): TableSpec;
}

/**
 * Declares a table.
 *
 * @example
 * const sensorData = table("sensor_data", {
 *   device_id: t.string(), timestamp: t.timestamp(3), temperature: t.double(),
 * }, { connector: kafka({ topic: "sensor_data", format: "json" }), watermark: { column: "timestamp", delay: seconds(5) } });
 */
export function table<N extends string, C extends Record<string, ColumnDef>>(
  name: N,
  columns: C,
  options: TableOptions<C>,
): Table<N, C> {
  const families: Families = {};
  for (const [k, d] of Object.entries(columns)) {
    families[k] = d.element === undefined ? { family: d.family } : { family: d.family, element: d.element };
  }
  return {
    ...namedRelation<N, RowOf<C>>(name, families),
    columns,
    toSpec: () => ({
      name,
      description: options.description,
      columns: Object.entries(columns).map(([column, def]) => def.toColumn(column)),
      primaryKey: options.primaryKey,
      watermark: options.watermark,
      connector: options.connector,
    }),
  };
}

// ---------------------------------------------------------- views, windows

/** A query builder's result: a query plus the families of its output columns. */
export interface QueryLike<Out extends AnyRow> {
  toQuery(): Query;
  readonly families: Families;
  /** Phantom: the output row type. */
  readonly out?: Out;
}

type Requalified<R extends AnyRow> = { [K in keyof R]: R[K] };

export interface View<N extends string = string, R extends AnyRow = AnyRow> extends Relation<N, R> {
  toSpec(): ViewSpec;
}

/** Declares a view over a query; later queries read it like a table. */
export function view<N extends string, Out extends AnyRow>(
  name: N,
  query: QueryLike<Out>,
  description?: string,
): View<N, Requalified<Out>> {
  return {
    name,
    fromNode: (alias) => ({ kind: "table", name, as: alias }),
    row: (qualifier) => rowFrom(query.families, qualifier),
    toSpec: () => ({ name, description, query: query.toQuery() }),
  };
}

/** Columns a window TVF adds. */
export type WindowColumns = {
  window_start: Ex<"timestamp">;
  window_end: Ex<"timestamp">;
  window_time: Ex<"timestamp">;
};

type TimestampKeys<R extends AnyRow> = {
  [K in keyof R]: R[K] extends Ex<"timestamp", unknown> ? K : never;
}[keyof R] &
  string;

function windowed<N extends string, R extends AnyRow>(
  source: Relation<N, R>,
  timeColumn: TimestampKeys<R>,
  window: WindowSpec,
): Relation<N, R & WindowColumns> {
  const families: Families = {
    ...familiesOf(source.row()),
    window_start: { family: "timestamp" },
    window_end: { family: "timestamp" },
    window_time: { family: "timestamp" },
  };
  return {
    name: source.name,
    fromNode: (alias) => ({ kind: "window", table: source.name, timeColumn, window, as: alias }),
    row: (qualifier) => rowFrom(families, qualifier),
  };
}

/**
 * A window TVF: the rows of `source` plus {@link WindowColumns}, windowed on its
 * event-time column `timeColumn` by the window's own `sizes`.
 */
export type WindowTvf<Sizes extends Interval[]> = <N extends string, R extends AnyRow>(
  source: Relation<N, R>,
  timeColumn: TimestampKeys<R>,
  ...sizes: Sizes
) => Relation<N, R & WindowColumns>;

/** `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' HOUR))`: fixed, non-overlapping windows. */
export const tumble: WindowTvf<[size: Interval]> = (source, timeColumn, size) =>
  windowed(source, timeColumn, { kind: "tumble", size });
/** `HOP(...)`: sliding windows of `size` every `slide`. */
export const hop: WindowTvf<[slide: Interval, size: Interval]> = (source, timeColumn, slide, size) =>
  windowed(source, timeColumn, { kind: "hop", slide, size });
/** `CUMULATE(...)`: windows growing by `step` up to `size`. */
export const cumulate: WindowTvf<[step: Interval, size: Interval]> = (source, timeColumn, step, size) =>
  windowed(source, timeColumn, { kind: "cumulate", step, size });
/** `SESSION(...)`: windows closed by a gap of inactivity, per key. */
export const session = <N extends string, R extends AnyRow>(
  source: Relation<N, R>,
  timeColumn: TimestampKeys<R>,
  gap: Interval,
  partitionBy: (keyof R & string)[] = [],
) => windowed(source, timeColumn, { kind: "session", gap, partitionBy });
