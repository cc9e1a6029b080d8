/**
 * @sluice/flink-jobs: the job specification, its validation, the compiler to
 * Flink SQL, and the typed builders that produce specs.
 */

export * from "./builder/index.ts";
export {
  CHECKPOINT_MODES,
  type CheckpointsSpec,
  checkpointsEnabled,
  defaultCheckpointSettings,
} from "./checkpoints.ts";
export {
  type CompiledJob,
  type CompiledStatement,
  compileJob,
  enrichmentNames,
  STATEMENT_KINDS,
  type StatementKind,
} from "./compile.ts";
export { ALLOWED_CONFIG } from "./config.ts";
export {
  CONNECTOR_KINDS,
  type Connector,
  type ConnectorConfig,
  type ConnectorKind,
  connectors,
  type Format,
  type SecretRef,
} from "./connectors/index.ts";
export { ERROR_POLICIES, type ErrorPolicy } from "./connectors/kafka.ts";
export { DEAD_LETTERS_SUFFIX, RAW_SUFFIX } from "./dead-letters.ts";
export * from "./enrichment-task.ts";
export {
  FlinkJobsError,
  type FlinkJobsErrorCode,
  MissingSecretError,
  SpecValidationError,
} from "./errors.ts";
export type { Expr, ExprKind, Interval, OverFrame } from "./expressions.ts";
export { FLOW_THRESHOLD_NAMES, type FlowThresholdsSpec, flowThresholdsSchema } from "./flow-thresholds.ts";
export {
  FUNCTIONS_JAR_SECRET,
  MODEL_FUNCTIONS,
  type ModelFunction,
  type ModelFunctionKind,
  type ModelSpec,
  modelSchema,
} from "./models.ts";
export { PERFORMANCE_DEFAULTS } from "./performance.ts";
export {
  formatPath,
  isProblemCode,
  PROBLEM_CODES,
  type ProblemCode,
  SCHEMA_PROBLEM_CODES,
  type SchemaProblemCode,
  SEMANTIC_PROBLEM_CODES,
  type SemanticProblemCode,
  type SpecPath,
  type SpecProblem,
} from "./problems.ts";
export type { From, OrderItem, Query, RawPart, SelectItem, WindowSpec } from "./query.ts";
export { recordSchema } from "./record-schema.ts";
export { redactSecrets, resolveSecrets } from "./secrets.ts";
export {
  type ColumnSpec,
  type EnrichmentSpec,
  type InsertSpec,
  type JobSpec,
  type JobSpecInput,
  jobSpecJsonSchema,
  jobSpecSchema,
  type TableSpec,
  TIME_FORMATS,
  type TimeFormat,
  type ViewSpec,
} from "./spec.ts";
export { renderType, type SqlType, sqlTypeSchema } from "./sql-types.ts";
export { ISO_8601_PATTERN } from "./time-formats.ts";
export { validateJob } from "./validate.ts";
