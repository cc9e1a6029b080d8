export * from "./define-job.ts";
export { type Enrichment, type EnrichmentOptions, enrichment } from "./enrichments.ts";
export * from "./expr.ts";
export {
  arForecaster,
  type EwmaParams,
  ewmaZScore,
  type ForecasterParams,
  linearRegression,
  logisticRegression,
  type Model,
  type ModelFunctionDef,
  model,
  type RegressionParams,
  type RobustParams,
  robustZScore,
} from "./models.ts";
export { deduplicate, desc, from, insertInto, type QueryBuilder, Source, sql, topN } from "./query.ts";
export {
  blackhole,
  col,
  computed,
  cumulate,
  datagen,
  filesystem,
  hop,
  jdbc,
  kafka,
  metadata,
  print,
  proctime,
  type QueryLike,
  type Relation,
  session,
  type Table,
  type TableOptions,
  table,
  timeField,
  tumble,
  upsertKafka,
  type View,
  view,
  type WindowColumns,
} from "./relations.ts";
export { type AnyRow, type ColumnDef, type Ex, type Family, type RowOf, type TypeDef, t } from "./types.ts";
