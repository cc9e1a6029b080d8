import { z } from "zod";
import { FlinkClientError } from "../errors.ts";
import {
  flinkErrorsOf,
  type HttpResponse,
  type HttpTransport,
  httpError,
  isOk,
  parseResponse,
  segment,
} from "../http.ts";
import { gatewayError } from "./session-errors.ts";

function operationPath(apiVersion: string, sessionHandle: string, operationHandle: string): string {
  return `/${apiVersion}/sessions/${segment(sessionHandle)}/operations/${segment(operationHandle)}`;
}

/**
 * A failed statement surfaces as a 500 carrying Flink's exception: that is the
 * statement being rejected (SQL_ERROR) unless the session or the operation is
 * simply gone.
 */
function statementError(
  http: HttpTransport,
  response: HttpResponse,
  what: string,
  sessionHandle: string,
  operationHandle?: string,
): FlinkClientError {
  const generic = gatewayError(http, response, what, sessionHandle);
  if (generic.code !== "OPERATION_FAILED") return generic;
  const text = flinkErrorsOf(response.body).join("\n");
  if (operationHandle !== undefined && text.includes(`Can not find the submitted operation`)) return generic;
  if (operationHandle !== undefined && text.includes(`${operationHandle}' does not exist`)) return generic;
  const { status, flinkMessage, flinkErrors, url } = httpError(http, response, what, "SQL_ERROR");
  return new FlinkClientError(
    "SQL_ERROR",
    `Flink rejected the statement: ${flinkMessage ?? `HTTP ${status}`}`,
    {
      status,
      flinkMessage,
      flinkErrors,
      url,
    },
  );
}

/** `POST /{v}/sessions/:session/statements` answer. */
export const ExecuteStatementResponse = z.object({ operationHandle: z.string().min(1) });

export interface ExecuteStatementOptions {
  /** Per-statement configuration (e.g. `{"pipeline.name": "..."}`), on top of the session's. */
  executionConfig?: Record<string, string>;
  /** Gateway-side execution timeout in ms (0 or absent: none). */
  executionTimeoutMs?: number;
}

/** Submits one statement; the gateway runs it asynchronously and returns an operation handle. */
export async function submitStatement(
  http: HttpTransport,
  apiVersion: string,
  sessionHandle: string,
  statement: string,
  options: ExecuteStatementOptions = {},
): Promise<string> {
  const response = await http.send({
    method: "POST",
    path: `/${apiVersion}/sessions/${segment(sessionHandle)}/statements`,
    body: {
      statement,
      executionTimeout: options.executionTimeoutMs,
      executionConfig: options.executionConfig,
    },
  });
  if (!isOk(response)) throw statementError(http, response, "Submitting a statement", sessionHandle);
  return parseResponse(http, response, ExecuteStatementResponse, "Submitting a statement").operationHandle;
}

/** Operation states of the SQL Gateway (`OperationStatus`). */
export const OPERATION_STATES = [
  "INITIALIZED",
  "PENDING",
  "RUNNING",
  "FINISHED",
  "CANCELED",
  "CLOSED",
  "ERROR",
  "TIMEOUT",
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/** `GET .../operations/:op/status` answer (also the answer of cancel and close). */
export const OperationStatusResponse = z.object({ status: z.enum(OPERATION_STATES) });

/** What can be done to a submitted statement; each answers the operation's status. */
const OPERATION_ACTIONS = {
  status: { method: "GET", what: "Reading an operation's status" },
  cancel: { method: "POST", what: "Cancelling an operation" },
  close: { method: "DELETE", what: "Closing an operation" },
} as const;

export type OperationAction = keyof typeof OPERATION_ACTIONS;

/** A statement's operation in a session. */
export interface OperationRef {
  readonly sessionHandle: string;
  readonly operationHandle: string;
}

/** `GET .../status`, `POST .../cancel` or `DELETE .../close` of an operation; returns its status. */
export async function operationRequest(
  http: HttpTransport,
  apiVersion: string,
  operation: OperationRef,
  action: OperationAction,
): Promise<OperationState> {
  const { method, what } = OPERATION_ACTIONS[action];
  const { sessionHandle, operationHandle } = operation;
  const response = await http.send({
    method,
    path: `${operationPath(apiVersion, sessionHandle, operationHandle)}/${action}`,
  });
  if (!isOk(response)) throw gatewayError(http, response, what, sessionHandle);
  return parseResponse(http, response, OperationStatusResponse, what).status;
}

/** A result column: its name and Flink logical type (`{"type": "INTEGER", "nullable": true, ...}`). */
export const ResultColumn = z.object({
  name: z.string(),
  logicalType: z.looseObject({ type: z.string(), nullable: z.boolean().optional() }),
  comment: z.string().nullish(),
});
export type ResultColumn = z.infer<typeof ResultColumn>;

/** A row with `rowFormat=JSON`: its change kind (INSERT, UPDATE_BEFORE, ...) and JSON field values. */
export const ResultRow = z.object({ kind: z.string(), fields: z.array(z.unknown()) });
export type ResultRow = z.infer<typeof ResultRow>;

const ResultInfo = z.object({
  columns: z.array(ResultColumn),
  rowFormat: z.string().optional(),
  data: z.array(ResultRow),
});

const NotReadyPage = z.object({ resultType: z.literal("NOT_READY"), nextResultUri: z.string() });
const DataPage = z.object({
  resultType: z.enum(["PAYLOAD", "EOS"]),
  isQueryResult: z.boolean(),
  /** Present when the statement submitted a Flink job (INSERT, statement set, query). */
  jobID: z.string().optional(),
  resultKind: z.string(),
  results: ResultInfo,
  nextResultUri: z.string().optional(),
});

/** One page of `GET .../operations/:op/result/:token?rowFormat=JSON`. */
export const ResultPage = z.discriminatedUnion("resultType", [NotReadyPage, DataPage]);
export type ResultPage = z.infer<typeof ResultPage>;

/**
 * Fetches one result page. `resultUri` is either a token (first page: `0`) or
 * the `nextResultUri` of the previous page, which the gateway returns as an
 * absolute path (`/v4/sessions/.../result/1?rowFormat=JSON`).
 */
export async function fetchResultPage(
  http: HttpTransport,
  apiVersion: string,
  sessionHandle: string,
  operationHandle: string,
  resultUri: number | string,
): Promise<ResultPage> {
  let path: string;
  let query: Record<string, string> | undefined;
  if (typeof resultUri === "number") {
    path = `${operationPath(apiVersion, sessionHandle, operationHandle)}/result/${resultUri}`;
    query = { rowFormat: "JSON" };
  } else {
    path = resultUri;
  }
  const response = await http.send({ method: "GET", path, query });
  if (!isOk(response)) {
    throw statementError(http, response, "Fetching a statement's result", sessionHandle, operationHandle);
  }
  return parseResponse(http, response, ResultPage, "Fetching a statement's result");
}

/** The id of the job a statement started, from its first result page (`job id` column). */
export function jobIdOf(page: ResultPage): string | undefined {
  if (page.resultType === "NOT_READY") return undefined;
  const column = page.results.columns.findIndex((c) => c.name.toLowerCase() === "job id");
  const value = column >= 0 ? page.results.data[0]?.fields[column] : undefined;
  return typeof value === "string" ? value : undefined;
}
