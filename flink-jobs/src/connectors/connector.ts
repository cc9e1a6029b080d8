import { z } from "zod";
import { literalTextSchema, secretNameSchema } from "../identifiers.ts";
import type { SpecPath, SpecProblem } from "../problems.ts";
import type { SqlType } from "../sql-types.ts";

/** A reference to a secret, resolved only at submission: `{ secret: "KAFKA_SASL_PASSWORD" }`. */
export const secretRefSchema = z.strictObject({ secret: secretNameSchema });
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Value of a connector option: plain text or a secret reference. */
export type OptionValue = string | SecretRef;

/** Extra connector properties (`'properties.security.protocol' = 'SASL_SSL'`, ...). */
export const propertiesSchema = z.record(
  z.string().min(1).max(200),
  z.union([literalTextSchema.max(10_000), z.number(), z.boolean(), secretRefSchema]),
);
export type ConnectorProperties = z.infer<typeof propertiesSchema>;

/** What a connector sees of the table it renders. */
export interface TableContext {
  jobName: string;
  /** The spec's `version` (the API assigns it), when it carries one. */
  jobVersion?: number | undefined;
  tableName: string;
  columns: { name: string; type: SqlType | null }[];
  primaryKey: string[] | undefined;
  /** Spec-wide Kafka defaults (`spec.kafka`). */
  kafka: { bootstrapServers?: string | undefined; properties?: ConnectorProperties | undefined } | undefined;
}

/** What a table of a connector can take part in. */
export interface ConnectorRole {
  /** Whether a query may read from / insert into such a table, and whether it can serve lookup joins. */
  readonly canRead: boolean;
  readonly canWrite: boolean;
  readonly canLookup: boolean;
  /** Whether reading the table yields a changelog (updates and deletes) rather than appends only. */
  readonly producesUpdates: boolean;
  /** Whether the table can take updates (upsert by primary key) rather than appends only. */
  readonly acceptsUpdates: boolean;
}

/** The roles connectors share. */
export const ROLES = {
  /** Written only; takes any changelog (print, blackhole). */
  sink: { canRead: false, canWrite: true, canLookup: false, producesUpdates: false, acceptsUpdates: true },
  /** Read only, appends (datagen). */
  source: { canRead: true, canWrite: false, canLookup: false, producesUpdates: false, acceptsUpdates: false },
  /** Read and written as appends only (kafka, filesystem). */
  appendLog: {
    canRead: true,
    canWrite: true,
    canLookup: false,
    producesUpdates: false,
    acceptsUpdates: false,
  },
  /** A changelog keyed by primary key, read and written (upsert-kafka). */
  upsertLog: { canRead: true, canWrite: true, canLookup: false, producesUpdates: true, acceptsUpdates: true },
  /** A database table: scanned, upserted into, or looked up (jdbc). */
  database: { canRead: true, canWrite: true, canLookup: true, producesUpdates: false, acceptsUpdates: true },
} as const satisfies Record<string, ConnectorRole>;

type ConnectorParts<Config extends { kind: string; properties?: ConnectorProperties | undefined }> = Omit<
  Connector<Config>,
  keyof ConnectorRole | "metadataKeys" | "validate" | "allowsProperty"
> &
  Partial<Pick<Connector<Config>, "metadataKeys" | "validate" | "allowsProperty">>;

/**
 * A connector of a role; by default it exposes no metadata, has no checks of
 * its own, and allows no extra properties.
 */
export function defineConnector<
  Config extends { kind: string; properties?: ConnectorProperties | undefined },
>(role: ConnectorRole, parts: ConnectorParts<Config>): Connector<Config> {
  return { ...role, metadataKeys: [], validate: () => [], allowsProperty: () => false, ...parts };
}

/**
 * One connector, the way kysely has one dialect: it renders its own `WITH (...)`
 * options and validates its own settings. Generic code never looks at a
 * connector's name.
 */
export interface Connector<Config extends { kind: string; properties?: ConnectorProperties | undefined }>
  extends ConnectorRole {
  /** The zod schema of this connector's settings (`connector` field of a table). */
  readonly schema: z.ZodType<Config>;
  /** Metadata a table of this connector can expose as `METADATA` columns. */
  readonly metadataKeys: readonly string[];
  /** Option pairs in order, `connector` first; extra `properties` are appended by generic code. */
  options(config: Config, table: TableContext): [string, OptionValue][];
  /** Problems with this connector's settings; paths are relative to the table's `connector` field. */
  validate(config: Config, table: TableContext, path: SpecPath): SpecProblem[];
  /** Whether an extra property key is one users may set (those not generated from structured fields). */
  allowsProperty(key: string): boolean;
}

/** Option pairs, leaving out those whose value is not set. */
export function definedOptions(pairs: [string, OptionValue | undefined][]): [string, OptionValue][] {
  return pairs.filter((pair): pair is [string, OptionValue] => pair[1] !== undefined);
}

export function renderPropertyValue(value: string | number | boolean | SecretRef): OptionValue {
  if (typeof value === "string" || typeof value === "object") return value;
  return String(value);
}
