/**
 * What Flink keeps in state for each kind of SQL operator, read from the operator's description
 * in the stream graph (`GroupAggregate(groupBy=[user_id], select=[user_id, SUM(amount) AS total])`).
 */

/** How an operator's state is shaped; `stateless` operators have none worth restoring. */
export type StateRole =
  | "source"
  | "sink"
  | "aggregate"
  | "window-aggregate"
  | "over"
  | "join"
  | "keyed"
  | "stateless"
  | "unrecognised";

const ROLES: Record<string, StateRole> = {
  TableSourceScan: "source",
  Writer: "sink",
  Committer: "sink",
  GroupAggregate: "aggregate",
  GlobalGroupAggregate: "aggregate",
  IncrementalGroupAggregate: "aggregate",
  WindowAggregate: "window-aggregate",
  GlobalWindowAggregate: "window-aggregate",
  GroupWindowAggregate: "window-aggregate",
  OverAggregate: "over",
  Join: "join",
  IntervalJoin: "join",
  TemporalJoin: "join",
  WindowJoin: "join",
  Deduplicate: "keyed",
  Rank: "keyed",
  WindowDeduplicate: "keyed",
  WindowRank: "keyed",
  ChangelogNormalize: "keyed",
  SinkMaterializer: "keyed",
  Limit: "keyed",
  SortLimit: "keyed",
  Calc: "stateless",
  WatermarkAssigner: "stateless",
  ConstraintEnforcer: "stateless",
  StreamRecordTimestampInserter: "stateless",
  RowKindSetter: "stateless",
  Union: "stateless",
  Expand: "stateless",
  DropUpdateBefore: "stateless",
  MiniBatchAssigner: "stateless",
  LocalGroupAggregate: "stateless",
  LocalWindowAggregate: "stateless",
  Correlate: "stateless",
  LookupJoin: "stateless",
  WindowTableFunction: "stateless",
};

export interface OperatorInfo {
  /** e.g. `GroupAggregate`, `Writer`. */
  kind: string;
  role: StateRole;
  /** The description's `name=[value]` arguments, e.g. `{ groupBy: "user_id", select: "..." }`. */
  args: Record<string, string>;
  /** The table a source reads or a sink writes, when the description names it. */
  table?: string | undefined;
}

/** Splits `a, f(b, c), [d, e]` at its top-level commas. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(" || ch === "[") depth++;
    if (ch === ")" || ch === "]") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

/** Reads a stream-graph node's description. */
export function describeOperator(description: string): OperatorInfo {
  const sink = /^(.*): (Writer|Committer)$/.exec(description);
  if (sink) return { kind: sink[2] ?? "Writer", role: "sink", args: {}, table: sink[1] };
  const open = description.indexOf("(");
  const kind = (open < 0 ? description : description.slice(0, open)).trim();
  const args: Record<string, string> = {};
  if (open >= 0 && description.endsWith(")")) {
    for (const part of splitTopLevel(description.slice(open + 1, -1))) {
      const m = /^(\w+)=\[([\s\S]*)\]$/.exec(part);
      if (m?.[1] !== undefined) args[m[1]] = m[2] ?? "";
    }
  }
  const table = kind === "TableSourceScan" ? tableName(args.table) : undefined;
  return { kind, role: ROLES[kind] ?? "unrecognised", args, table };
}

/** `[default_catalog, default_database, clicks, watermark=[...]]` -> `clicks`. */
function tableName(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  return splitTopLevel(arg.replace(/^\[|\]$/g, ""))[2];
}

/** The aggregate calls of a `select=[...]` list, without their aliases: `SUM(amount)`, `COUNT(*)`. */
export function aggregateCalls(select: string | undefined): string[] {
  return splitTopLevel(select ?? "")
    .filter((item) => item.includes("("))
    .map((item) => item.replace(/\s+AS\s+[\w$]+$/i, ""));
}

/** A user-facing name for an operator: `the GROUP BY aggregate`, `the source clicks`. */
export function operatorLabel(info: OperatorInfo): string {
  switch (info.role) {
    case "source":
      return `the source ${info.table ?? ""}`.trim();
    case "sink":
      return `the sink ${info.table ?? ""} (${info.kind.toLowerCase()})`;
    case "aggregate":
      return `the aggregate grouped by ${info.args.groupBy ?? "nothing"}`;
    case "window-aggregate":
      return `the window aggregate ${info.args.window ?? ""}`.trim();
    case "over":
      return `the OVER window partitioned by ${info.args.partitionBy ?? "nothing"}`;
    case "join":
      return `the ${info.kind} on ${info.args.where ?? "?"}`;
    default:
      return `the ${info.kind} operator`;
  }
}
