/**
 * The lifecycle's operations (submit, stop, savepoint, upgrade, delete): what routes record and
 * the reconciler advances. The records' schemas live with the store (`store/operation-records.ts`);
 * the steps live in `operations/`.
 */
export type {
  DeleteParams,
  OperationKind,
  OperationOf,
  OperationParamsOf,
  OperationRecord,
  RestoreRequest,
  StopParams,
  SubmitParams,
  UpgradeParams,
} from "../store/operation-records.ts";
export { OperationRunner } from "./operations/runner.ts";
export { Listing } from "./operations/step.ts";
